/** Names of the demo's and the benchmarks' fictitious candidates. */

export const FIRST_NAMES = [
  'Camille',
  'Léa',
  'Lucas',
  'Hugo',
  'Chloé',
  'Nathan',
  'Inès',
  'Louis',
  'Manon',
  'Yanis',
  'Sarah',
  'Mathis',
  'Emma',
  'Karim',
  'Fatou',
  'Jules',
  'Zoé',
  'Théo',
  'Aïcha',
  'Paul',
];
/** Surnames chosen not to look like anyone's: the people are fictitious. */
export const LAST_NAMES = ['Exemple', 'Démo', 'Fictif', 'Modèle', 'Essai', 'Maquette', 'Prototype', 'Brouillon', 'Esquisse', 'Ébauche'];
