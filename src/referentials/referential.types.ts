/** A French commune (current, delegated, associated or municipal arrondissement). */
export interface Commune {
  /** INSEE code, e.g. "74083". */
  code: string;
  name: string;
  postalCodes: string[];
  departmentCode: string;
  regionCode: string;
  /** Centre from La Poste's base (mean of its postal-code rows); null when La Poste has none. */
  latitude: number | null;
  longitude: number | null;
}

export interface Department {
  code: string;
  name: string;
  regionCode: string;
}

export interface Region {
  code: string;
  name: string;
}

/** A ROME 4.60 occupation with its grand domaine (letter) and professional domain. */
export interface RomeOccupation {
  code: string;
  label: string;
  domainCode: string;
  domainLabel: string;
  professionalDomainCode: string | null;
  professionalDomainLabel: string | null;
}
