import { parseDatabaseUrl } from '../../src/config';

describe('parseDatabaseUrl', () => {
  it('defaults to the embedded SQLite file and reads sqlite: paths', () => {
    expect(parseDatabaseUrl(undefined)).toMatchObject({ type: 'sqlite' });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ type: 'sqlite', path: ':memory:' });
  });

  it('reads mysql:// and mariadb:// URLs, with an optional Unix socket', () => {
    expect(parseDatabaseUrl('mysql://app:s%40cret@db.example:3307/passerelle')).toEqual({
      type: 'mysql', host: 'db.example', port: 3307, user: 'app', password: 's@cret', database: 'passerelle',
    });
    expect(parseDatabaseUrl('mariadb://root@localhost/passerelle?socket=/run/mysqld/mysqld.sock')).toMatchObject({
      type: 'mysql', database: 'passerelle', socketPath: '/run/mysqld/mysqld.sock',
    });
  });

  it('refuses what it cannot use, saying why', () => {
    expect(() => parseDatabaseUrl('postgres://x/y')).toThrow(/mysql:\/\//);
    expect(() => parseDatabaseUrl('mysql://root@localhost/')).toThrow(/must name a database/);
    expect(() => parseDatabaseUrl('mysql://root@localhost/p?ssl=true')).toThrow(/unknown parameter "ssl"/);
  });
});
