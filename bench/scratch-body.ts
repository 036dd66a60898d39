import fs from 'node:fs';
import { loadShippedFranceTravailOffers, mapFranceTravailOffer } from '../src/db/seed/france-travail.mapper';
import { createSyntheticOfferGenerator } from '../src/db/seed/synthetic-offers';
const now = new Date('2026-11-27T08:00:00Z');
const templates = loadShippedFranceTravailOffers().map((raw) => mapFranceTravailOffer(raw, now).row);
const generator = createSyntheticOfferGenerator({ seed: 4242, now, partnerCodes: [], templates });
const o = Array.from({ length: 1000 }, (_, i) => { const row = generator.next(i).row; return { externalId: `bench-${i}`, title: row.title, description: row.description, romeCode: row.romeCode, employer: row.employerName ? { name: row.employerName } : null, location: { communeCode: row.communeCode, postalCode: row.postalCode }, contractType: row.contractType, fullTime: row.fullTime, publishedAt: row.publishedAt.toISOString() }; });
fs.writeFileSync('/tmp/scratch/body.json', JSON.stringify({ query: 'x', variables: { o } }));
