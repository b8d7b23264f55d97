import { PGlite } from '@electric-sql/pglite';
let t = Date.now();
const a = new PGlite('memory://'); await a.query('select 1');
console.log('initdb', Date.now() - t);
const dump = await a.dumpDataDir('none');
t = Date.now();
const b = new PGlite('memory://', { loadDataDir: dump }); await b.query('select 1');
console.log('from dump', Date.now() - t);
