import { randomUUID } from 'node:crypto';
import { In, type DataSource } from 'typeorm';
import {
  CandidateContactEntity,
  CandidateCvEntity,
  ConsentEntity,
  CvAccessLogEntity,
  PartnerEntity,
  type ContractType,
  type CvAccessField,
} from '../../entities';
import type { CvInput } from '../__generated__/resolvers-types';
import { requestScope, type RequestScope } from '../auth/request-scope';
import { requireAgency } from '../auth/viewer';
import { isDuplicateKey } from '../db/driver-errors';
import {
  columnList,
  joinSql,
  fromDbDateTime,
  fromDbDateTimeOrNull,
  inList,
  raw,
  ROWS_PER_STATEMENT,
  sql,
  toDbDateTime,
  valueRows,
  type Sql,
} from '../db/sql';
import { createSqlExecutor, type SqlExecutor } from '../db/sql-executor';
import { withTransaction, writeStatement, type TxQuery } from '../db/transaction';
import { BadUserInputError, ConflictError, NotFoundError, UnauthenticatedError } from '../errors';
import * as q from './candidate-search.sql';
import { chunks } from '../lib/chunks';
import { validateCvInput, type ValidatedCv } from './candidate-validation';
import {
  CV_LIMITS,
  type CandidateConnectionModel,
  type CandidateCvModel,
  type CandidateQuery,
  type ErasureReportModel,
} from './candidate.types';
import type { PendingCvAccess } from './cv-access-recorder';
import { dialectOf, type Dialect } from '../db/dialect';

type Row = Record<string, unknown>;

function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** `date` years later (or earlier, negative), same day and time (29 February → 28 February). */
export function addYears(date: Date, years: number): Date {
  const result = new Date(date.getTime());
  result.setUTCFullYear(result.getUTCFullYear() + years);
  if (result.getUTCDate() !== date.getUTCDate()) result.setUTCDate(0);
  return result;
}

/** Maps a row of CV_COLUMNS (either engine) to the CV model. */
export function cvFromRow(row: Row): CandidateCvModel {
  const cv = Object.assign(new CandidateCvEntity(), {
    id: Number(row.id),
    pseudonym: row.pseudonym as string,
    candidateRef: row.candidate_ref as string,
    headline: row.headline as string,
    summary: (row.summary as string | null) ?? null,
    skills: json<string[]>(row.skills),
    romeCodes: json<string[]>(row.rome_codes),
    experiences: json(row.experiences),
    education: json(row.education),
    languages: json<string[]>(row.languages),
    drivingLicences: json<string[]>(row.driving_licences),
    desiredContractTypes: json<ContractType[]>(row.desired_contract_types),
    communeCode: row.commune_code as string,
    postalCode: (row.postal_code as string | null) ?? null,
    city: row.city as string,
    departmentCode: row.department_code as string,
    regionCode: row.region_code as string,
    latitude: numOrNull(row.latitude),
    longitude: numOrNull(row.longitude),
    mobilityRadiusKm: Number(row.mobility_radius_km),
    availableFrom: (row.available_from as string | null) ?? null,
    createdAt: fromDbDateTime(row.created_at),
    updatedAt: fromDbDateTime(row.updated_at),
  }) as CandidateCvModel;
  if ('consent_id' in row) cv.coveringConsent = row.consent_id === null ? null : consentFromRow(row, 'consent_');
  return cv;
}

/** Maps a row of CONSENT_COLUMNS, optionally prefixed. */
export function consentFromRow(row: Row, prefix = ''): ConsentEntity {
  return Object.assign(new ConsentEntity(), {
    id: Number(row[`${prefix}id`]),
    cvId: Number(row[`${prefix}cv_id`]),
    partnerId: numOrNull(row[`${prefix}partner_id`]),
    shareContact: Boolean(Number(row[`${prefix}share_contact`])),
    grantedAt: fromDbDateTime(row[`${prefix}granted_at`]),
    expiresAt: fromDbDateTime(row[`${prefix}expires_at`]),
    revokedAt: fromDbDateTimeOrNull(row[`${prefix}revoked_at`]),
    expiredAt: fromDbDateTimeOrNull(row[`${prefix}expired_at`]),
  });
}

function accessFromRow(row: Row): CvAccessLogEntity {
  return Object.assign(new CvAccessLogEntity(), {
    id: Number(row.id),
    partnerId: Number(row.partner_id),
    apiKeyId: numOrNull(row.api_key_id),
    cvPseudonym: row.cv_pseudonym as string,
    consentId: numOrNull(row.consent_id),
    field: row.field as CvAccessField,
    requestId: row.request_id as string,
    accessedAt: fromDbDateTime(row.accessed_at),
  });
}

function contactFromRow(row: Row): CandidateContactEntity {
  return Object.assign(new CandidateContactEntity(), {
    cvId: Number(row.cv_id),
    name: (row.name as string | null) ?? null,
    email: (row.email as string | null) ?? null,
    phone: (row.phone as string | null) ?? null,
  });
}

/** The columns publish and update write, in the order of cvWriteValues (publish adds pseudonym and created_at). */
export const CV_WRITE_COLUMNS = [...q.CV_CONTENT_COLUMNS, 'search_text', 'candidate_ref', 'updated_at'] as const;

/** A validated CV's values for CV_WRITE_COLUMNS, in that order, as both engines store them. */
export function cvWriteValues(cv: ValidatedCv, now: Date): unknown[] {
  const row: Record<(typeof CV_WRITE_COLUMNS)[number], unknown> = {
    headline: cv.headline,
    summary: cv.summary,
    skills: JSON.stringify(cv.skills),
    rome_codes: JSON.stringify(cv.romeCodes),
    experiences: JSON.stringify(cv.experiences),
    education: JSON.stringify(cv.education),
    languages: JSON.stringify(cv.languages),
    driving_licences: JSON.stringify(cv.drivingLicences),
    desired_contract_types: JSON.stringify(cv.desiredContractTypes),
    commune_code: cv.communeCode,
    postal_code: cv.postalCode,
    city: cv.city,
    department_code: cv.departmentCode,
    region_code: cv.regionCode,
    latitude: cv.latitude,
    longitude: cv.longitude,
    mobility_radius_km: cv.mobilityRadiusKm,
    available_from: cv.availableFrom,
    search_text: cv.searchText,
    candidate_ref: cv.candidateRef,
    updated_at: toDbDateTime(now),
  };
  return CV_WRITE_COLUMNS.map((c) => row[c]);
}

/** `col = ?, ...` of an UPDATE setting these columns to these values (in the same order). */
function assignments(columns: readonly string[], values: readonly unknown[]): Sql {
  return joinSql(
    columns.map((c, i) => sql`${raw(c)} = ${values[i]}`),
    ', ',
  );
}

/**
 * Candidate CVs: the agency's writes (publish, update, consents, erasure) and every read, with the
 * rules of who sees what. A PARTNER sees a CV only while an active, unexpired consent covers it
 * (and its partner account is ACTIVE); anything else is absent, exactly like an unknown id. Its
 * contact details are selected only under a consent with shareContact. Every CV and contact a
 * partner is given is recorded in the request's CvAccessRecorder, written by flushAccessLog.
 * PUBLIC sees nothing. AGENCY sees everything, unlogged (it holds the data for the candidate).
 */
export class CandidateService {
  private readonly executor: SqlExecutor;
  private readonly dialect: Dialect;

  constructor(private readonly dataSource: DataSource) {
    this.executor = createSqlExecutor(dataSource);
    this.dialect = dialectOf(dataSource);
  }

  private run(statement: Sql): Promise<Row[]> {
    return this.executor.all(statement);
  }

  /** Records a partner's reading of CVs (SUMMARY) or their contact (CONTACT); notes CV data in the response. */
  private disclose(scope: RequestScope, cvs: CandidateCvModel[], field: CvAccessField): void {
    if (cvs.length === 0) return;
    scope.cvAccess.markCvData();
    const { viewer } = scope;
    if (viewer.role !== 'PARTNER') return;
    for (const cv of cvs) {
      scope.cvAccess.record({
        partnerId: viewer.partnerId,
        apiKeyId: viewer.apiKeyId,
        cvPseudonym: cv.pseudonym,
        consentId: cv.coveringConsent?.id ?? null,
        field,
      });
    }
  }

  private partnerScope(scope: RequestScope): { partnerId: number; now: Date } | null {
    return scope.viewer.role === 'PARTNER' ? { partnerId: scope.viewer.partnerId, now: scope.now } : null;
  }

  /** Query.candidates: one page of the CVs this viewer may see (PUBLIC: UNAUTHENTICATED). */
  async search(scope: RequestScope, query: CandidateQuery): Promise<CandidateConnectionModel> {
    if (scope.viewer.role === 'PUBLIC')
      throw new UnauthenticatedError('Candidate CVs need a PARTNER or AGENCY API key (Authorization: Bearer <key>)');
    if (query.first === 0) return { query, rows: [], hasNextPage: false };
    const rows = (await this.run(q.candidatePage(query, this.partnerScope(scope)))).map(cvFromRow);
    const hasNextPage = rows.length > query.first;
    const page = hasNextPage ? rows.slice(0, query.first) : rows;
    this.disclose(scope, page, 'SUMMARY');
    return { query, rows: page, hasNextPage };
  }

  /** CVs by id as this viewer may see them (the candidateById loader): a hidden one is simply absent. */
  async visibleByIds(scope: RequestScope, ids: readonly number[]): Promise<Map<number, CandidateCvModel>> {
    const result = new Map<number, CandidateCvModel>();
    if (ids.length === 0 || scope.viewer.role === 'PUBLIC') return result;
    for (const row of await this.run(q.candidatesByIds([...ids], this.partnerScope(scope)))) {
      const cv = cvFromRow(row);
      result.set(cv.id, cv);
    }
    this.disclose(scope, [...result.values()], 'SUMMARY');
    return result;
  }

  /**
   * Contact details of CVs this viewer was given, in order (the contactByCvId loader). A partner
   * gets them only under a covering consent with shareContact, and only those are selected.
   */
  async contacts(scope: RequestScope, cvs: readonly CandidateCvModel[]): Promise<Array<CandidateContactEntity | null>> {
    const { viewer } = scope;
    const allowed = cvs.filter(
      (cv) => viewer.role === 'AGENCY' || (viewer.role === 'PARTNER' && cv.coveringConsent?.shareContact === true),
    );
    if (allowed.length === 0) return cvs.map(() => null);
    const found = new Map<number, CandidateContactEntity>();
    for (const row of await this.run(q.contactsByCvIds([...new Set(allowed.map((cv) => cv.id))])))
      found.set(Number(row.cv_id), contactFromRow(row));
    this.disclose(
      scope,
      allowed.filter((cv) => found.has(cv.id)),
      'CONTACT',
    );
    return cvs.map((cv) => (allowed.includes(cv) ? (found.get(cv.id) ?? null) : null));
  }

  /** AGENCY: every consent of these CVs, newest first, in the order of cvIds. */
  async consentsByCvIds(scope: RequestScope, cvIds: readonly number[]): Promise<ConsentEntity[][]> {
    requireAgency(scope.viewer);
    const byCv = new Map<number, ConsentEntity[]>(cvIds.map((id) => [id, []]));
    if (cvIds.length)
      for (const row of await this.run(q.consentsByCvIds([...cvIds]))) byCv.get(Number(row.cv_id))?.push(consentFromRow(row));
    scope.cvAccess.markCvData();
    return cvIds.map((id) => byCv.get(id)!);
  }

  /** Consents by id: AGENCY only; anyone else gets none (node(id) answers null, as for an unknown id). */
  async consentsByIds(scope: RequestScope, ids: readonly number[]): Promise<Map<number, ConsentEntity>> {
    const result = new Map<number, ConsentEntity>();
    if (ids.length === 0 || scope.viewer.role !== 'AGENCY') return result;
    for (const row of await this.run(q.consentsByIds([...ids]))) result.set(Number(row.id), consentFromRow(row));
    if (result.size) scope.cvAccess.markCvData();
    return result;
  }

  /** AGENCY: partners' reads of these CVs (by pseudonym), newest first, in the order given. */
  async accessLogByPseudonyms(scope: RequestScope, pseudonyms: readonly string[]): Promise<CvAccessLogEntity[][]> {
    requireAgency(scope.viewer);
    const byCv = new Map<string, CvAccessLogEntity[]>(pseudonyms.map((p) => [p, []]));
    if (pseudonyms.length)
      for (const row of await this.run(q.accessLogByPseudonyms([...new Set(pseudonyms)])))
        byCv.get(row.cv_pseudonym as string)?.push(accessFromRow(row));
    scope.cvAccess.markCvData();
    return pseudonyms.map((p) => byCv.get(p)!);
  }

  /** AGENCY: Query.cvAccessLog; an unknown CV has none. */
  async accessLogOf(scope: RequestScope, cvId: number): Promise<CvAccessLogEntity[]> {
    requireAgency(scope.viewer);
    const cv = (await this.visibleByIds(scope, [cvId])).get(cvId);
    return cv ? (await this.accessLogByPseudonyms(scope, [cv.pseudonym]))[0] : [];
  }

  private async readOne(scope: RequestScope, id: number): Promise<CandidateCvModel> {
    const cv = (await this.visibleByIds(scope, [id])).get(id);
    if (!cv) throw new NotFoundError('No such CV');
    return cv;
  }

  /** ` FOR UPDATE` on MariaDB (SQLite: the transaction holds the only writer). */
  private forUpdate(): Sql {
    return raw(this.dialect === 'mysql' ? ' FOR UPDATE' : '');
  }

  private async lastInsertId(tx: TxQuery): Promise<number> {
    const [row] = await tx.rows<{ id: number }>(
      this.dialect === 'mysql' ? sql`SELECT LAST_INSERT_ID() AS id` : sql`SELECT last_insert_rowid() AS id`,
    );
    return Number(row.id);
  }

  /** Terms (with their copies of the CV's department and updated_at) and contact, replaced. */
  private async writeDetails(tx: TxQuery, cvId: number, cv: ValidatedCv, updatedAt: Date): Promise<void> {
    await tx.run(sql`DELETE FROM candidate_cv_term WHERE cv_id = ${cvId}`);
    if (cv.terms.length) {
      const terms = cv.terms.map((t) => [cvId, t.kind, t.value, cv.departmentCode, toDbDateTime(updatedAt)]);
      await tx.run(sql`INSERT INTO candidate_cv_term (cv_id, kind, value, department_code, cv_updated_at) VALUES ${valueRows(terms)}`);
    }
    await tx.run(sql`DELETE FROM candidate_contact WHERE cv_id = ${cvId}`);
    if (cv.contact)
      await tx.run(
        sql`INSERT INTO candidate_contact (cv_id, name, email, phone) VALUES (${cvId}, ${cv.contact.name}, ${cv.contact.email}, ${cv.contact.phone})`,
      );
  }

  private conflictOnRef(err: unknown, ref: string): never {
    if (isDuplicateKey(err)) throw new ConflictError(`A CV with candidateRef "${ref}" already exists`);
    throw err;
  }

  /** AGENCY, for the candidate: publishes a new CV (its candidateRef must be new). */
  async publish(scope: RequestScope, input: CvInput): Promise<CandidateCvModel> {
    requireAgency(scope.viewer);
    const cv = validateCvInput(input);
    const { now } = scope;
    let id: number;
    try {
      id = await withTransaction(this.dataSource, async (tx) => {
        const taken = await tx.rows(sql`SELECT id FROM candidate_cv WHERE candidate_ref = ${cv.candidateRef}`);
        if (taken.length) throw new ConflictError(`A CV with candidateRef "${cv.candidateRef}" already exists: update it with updateCV`);
        await tx.run(
          sql`INSERT INTO candidate_cv (${columnList(CV_WRITE_COLUMNS)}, pseudonym, created_at) VALUES ${inList([...cvWriteValues(cv, now), randomUUID(), toDbDateTime(now)])}`,
        );
        const cvId = await this.lastInsertId(tx);
        await this.writeDetails(tx, cvId, cv, now);
        return cvId;
      });
    } catch (err) {
      this.conflictOnRef(err, cv.candidateRef);
    }
    return this.readOne(scope, id);
  }

  /** AGENCY: replaces a CV's content and contact (its consents and pseudonym stay). */
  async update(scope: RequestScope, id: number, input: CvInput): Promise<CandidateCvModel> {
    requireAgency(scope.viewer);
    const cv = validateCvInput(input);
    try {
      await withTransaction(this.dataSource, async (tx) => {
        const [stored] = await tx.rows(sql`SELECT id FROM candidate_cv WHERE id = ${id}${this.forUpdate()}`);
        if (!stored) throw new NotFoundError('No such CV');
        const taken = await tx.rows(sql`SELECT id FROM candidate_cv WHERE candidate_ref = ${cv.candidateRef} AND id <> ${id}`);
        if (taken.length) throw new ConflictError(`Another CV has candidateRef "${cv.candidateRef}"`);
        await tx.run(sql`UPDATE candidate_cv SET ${assignments(CV_WRITE_COLUMNS, cvWriteValues(cv, scope.now))} WHERE id = ${id}`);
        await this.writeDetails(tx, id, cv, scope.now);
      });
    } catch (err) {
      this.conflictOnRef(err, cv.candidateRef);
    }
    return this.readOne(scope, id);
  }

  /**
   * AGENCY, for the candidate: records a new consent (append-only). partnerId null covers every
   * partner. expiresAt defaults to 2 years after now, and may not be later than that.
   */
  async grantConsent(
    scope: RequestScope,
    input: { cvId: number; partnerId: number | null; shareContact: boolean; expiresAt?: Date | null },
  ): Promise<ConsentEntity> {
    requireAgency(scope.viewer);
    const { now } = scope;
    const maxExpiry = addYears(now, CV_LIMITS.consentYears);
    const expiresAt = input.expiresAt ?? maxExpiry;
    if (expiresAt.getTime() <= now.getTime()) throw new BadUserInputError('expiresAt: must be in the future', 'expiresAt');
    if (expiresAt.getTime() > maxExpiry.getTime()) {
      throw new BadUserInputError(
        `expiresAt: at most ${CV_LIMITS.consentYears} years after the grant (${maxExpiry.toISOString()})`,
        'expiresAt',
      );
    }
    const id = await withTransaction(this.dataSource, async (tx) => {
      if (!(await tx.rows(sql`SELECT id FROM candidate_cv WHERE id = ${input.cvId}`)).length) throw new NotFoundError('No such CV');
      if (input.partnerId !== null && !(await tx.rows(sql`SELECT id FROM partner WHERE id = ${input.partnerId}`)).length)
        throw new NotFoundError('No such partner');
      await tx.run(
        sql`INSERT INTO consent (cv_id, partner_id, share_contact, granted_at, expires_at) VALUES (${input.cvId}, ${input.partnerId}, ${input.shareContact ? 1 : 0}, ${toDbDateTime(now)}, ${toDbDateTime(expiresAt)})`,
      );
      return this.lastInsertId(tx);
    });
    return (await this.consentsByIds(scope, [id])).get(id)!;
  }

  /** AGENCY: stamps revokedAt on this consent (revoking twice keeps the first date). Partners lose access on their next request. */
  async revokeConsent(scope: RequestScope, consentId: number): Promise<ConsentEntity> {
    requireAgency(scope.viewer);
    await withTransaction(this.dataSource, async (tx) => {
      if (!(await tx.rows(sql`SELECT id FROM consent WHERE id = ${consentId}`)).length) throw new NotFoundError('No such consent');
      await tx.run(sql`UPDATE consent SET revoked_at = ${toDbDateTime(scope.now)} WHERE id = ${consentId} AND revoked_at IS NULL`);
    });
    return (await this.consentsByIds(scope, [consentId])).get(consentId)!;
  }

  /**
   * AGENCY: the candidate's right to erasure. Deletes the CV, its terms, contact and consents in one
   * transaction; the access log keeps its rows, which name the CV by pseudonym only. Reports the
   * partners that read the CV: the agency must tell them (GDPR art. 19).
   */
  async erase(scope: RequestScope, cvId: number): Promise<ErasureReportModel> {
    requireAgency(scope.viewer);
    const outcome = await withTransaction(this.dataSource, async (tx) => {
      const [cv] = await tx.rows<{ pseudonym: string }>(sql`SELECT pseudonym FROM candidate_cv WHERE id = ${cvId}${this.forUpdate()}`);
      if (!cv) throw new NotFoundError('No such CV');
      const readers = await tx.rows<{ partner_id: number }>(
        sql`SELECT DISTINCT partner_id FROM cv_access_log WHERE cv_pseudonym = ${cv.pseudonym}`,
      );
      const [kept] = await tx.rows<{ n: number }>(sql`SELECT COUNT(*) AS n FROM cv_access_log WHERE cv_pseudonym = ${cv.pseudonym}`);
      await tx.run(sql`DELETE FROM candidate_cv_term WHERE cv_id = ${cvId}`);
      await tx.run(sql`DELETE FROM candidate_contact WHERE cv_id = ${cvId}`);
      const consentsErased = await tx.run(sql`DELETE FROM consent WHERE cv_id = ${cvId}`);
      await tx.run(sql`DELETE FROM candidate_cv WHERE id = ${cvId}`);
      return { pseudonym: cv.pseudonym, partnerIds: readers.map((r) => Number(r.partner_id)), consentsErased, kept: Number(kept.n) };
    });
    scope.cvAccess.markCvData();
    const partners = outcome.partnerIds.length
      ? await this.dataSource
          .getRepository(PartnerEntity)
          .find({ where: { id: In(outcome.partnerIds) }, order: { name: 'ASC', id: 'ASC' } })
      : [];
    return {
      cvPseudonym: outcome.pseudonym,
      consentsErased: outcome.consentsErased,
      accessLogEntriesKept: outcome.kept,
      partnersToNotify: partners,
    };
  }

  /**
   * Writes a request's recorded reads before the response leaves (called by the cv-access-log
   * plugin): one INSERT, committed on its own; past ROWS_PER_STATEMENT rows, several INSERTs
   * in one transaction (all or none).
   */
  async flushAccessLog(entries: readonly PendingCvAccess[], requestId: string, at: Date): Promise<void> {
    if (entries.length === 0) return;
    const accessedAt = toDbDateTime(at);
    const insert = (chunk: readonly PendingCvAccess[]): Sql =>
      sql`INSERT INTO cv_access_log (partner_id, api_key_id, cv_pseudonym, consent_id, field, request_id, accessed_at) VALUES ${valueRows(
        chunk.map((e) => [e.partnerId, e.apiKeyId, e.cvPseudonym, e.consentId, e.field, requestId, accessedAt]),
      )}`;
    if (entries.length <= ROWS_PER_STATEMENT) {
      await writeStatement(this.dataSource, insert(entries));
      return;
    }
    await withTransaction(this.dataSource, async (tx) => {
      for (const chunk of chunks(entries, ROWS_PER_STATEMENT)) await tx.run(insert(chunk));
    });
  }
}

/** A read scope for the agency outside any request (CLI, tests): what it records is never written. */
export function agencyScope(now = new Date()): RequestScope {
  return requestScope({ role: 'AGENCY', apiKeyId: null }, now);
}
