import 'reflect-metadata';
import { execSync } from 'node:child_process';
import { loadShippedFranceTravailOffers, mapFranceTravailOffer } from '../src/db/seed/france-travail.mapper';
import { createSyntheticOfferGenerator } from '../src/db/seed/synthetic-offers';
import { stopAllChildren } from './children';
import { startBenchHub } from './hub';
const TOTAL = Number(process.env.N ?? 250_000);
const CLIENTS = Number(process.env.C ?? 2);
const MODIFY = process.env.MODIFY === '1';
const ADMIN = 'scratch-admin';
async function main() {
  const hub = await startBenchHub('mysql://root@127.0.0.1:3306/passerelle_bench_ingest', ADMIN, '/tmp/scratch/hub.log');
  try {
    const pid = execSync(`mysql -h127.0.0.1 -uroot -N -e "select id from passerelle_bench_ingest.partner where code='bench-board'"`).toString().trim();
    const { key } = (await hub.gql(ADMIN, 'mutation($p: ID) { issueApiKey(partnerId: $p, role: PARTNER, label: "s") { key } }', { p: Buffer.from('Partner:' + pid).toString('base64url') })).issueApiKey;
    const now = new Date('2026-11-27T08:00:00Z');
    const templates = loadShippedFranceTravailOffers().map((raw) => mapFranceTravailOffer(raw, now).row);
    const generator = createSyntheticOfferGenerator({ seed: 4242, now, partnerCodes: [], templates });
    const inputs = Array.from({ length: TOTAL }, (_, i) => {
      const row = generator.next(i).row;
      return { externalId: `bench-${i}`, title: row.title + (MODIFY && i % 10 === 0 ? ` (m${Date.now()})` : ''), description: row.description, romeCode: row.romeCode,
        employer: row.employerName ? { name: row.employerName } : null, location: { communeCode: row.communeCode, postalCode: row.postalCode },
        contractType: row.contractType, fullTime: row.fullTime,
        salary: row.salaryMin !== null && row.salaryPeriod ? { min: row.salaryMin, max: row.salaryMax, period: row.salaryPeriod } : null,
        publishedAt: row.publishedAt.toISOString() };
    });
    const UPSERT = 'mutation($o: [OfferInput!]!) { upsertOffers(offers: $o) { created updated unchanged rejected } }';
    const bodies: Uint8Array[] = [];
    for (let i = 0; i < inputs.length; i += 1000) bodies.push(Buffer.from(JSON.stringify({ query: UPSERT, variables: { o: inputs.slice(i, i + 1000) } })));
    console.log('body MB', bodies[0].length / 1e6);
    let next = 0; const totals: Record<string, number> = {};
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CLIENTS }, async () => { while (next < bodies.length) { const r = (await hub.post(key, bodies[next++])).upsertOffers; for (const k of Object.keys(r)) totals[k] = (totals[k] ?? 0) + r[k]; } }));
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`${Math.round(TOTAL / s)} offers/s ${s.toFixed(1)} s`, totals);
  } finally { await stopAllChildren(); }
}
main().catch(async (e) => { console.error(e); await stopAllChildren(); process.exit(1); });
