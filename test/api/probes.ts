// Throw-away functions created in ONE test file's database (never in the migration plan): they
// exercise the server's mechanics — role switch, settings, errors, timeouts — independently of
// the product functions of system_api.
import type pg from 'pg';

export const probeSql = `
create schema if not exists system_api authorization tp_owner;
grant usage on schema system_api to tp_system_operator;

create schema api_probe_private;
create table api_probe_private.secret_ledger (id int primary key);

create type system_api.api_probe_row as (n int, label text, rate double precision);
comment on type system_api.api_probe_row is 'A probe row.';

create function system_api.api_probe_rows(max_rows int default 3) returns setof system_api.api_probe_row
  language sql stable as $$ select g, 'row ' || g, g / 4.0::float8 from generate_series(1, max_rows) g $$;
comment on function system_api.api_probe_rows(int) is 'Probe: a set of rows.';

create function system_api.api_probe_one(label text) returns system_api.api_probe_row
  language sql stable as $$ select 42, label, 0.5::float8 where label <> 'none' $$;

create type system_api.api_probe_identity as (role_name text, operator_id text, statement_timeout text);
create function system_api.api_probe_whoami() returns system_api.api_probe_identity
  language sql stable as $$
    select current_user::text, current_setting('tenantpulse.operator_id', true), current_setting('statement_timeout')
  $$;

create function system_api.api_probe_refuse() returns int language plpgsql stable as $$
begin
  raise exception using errcode = 'TP004', message = 'metadata is not safe', detail = 'key "x" is not allowed';
end
$$;

create function system_api.api_probe_leak() returns int
  language sql stable as $$ select count(*)::int from api_probe_private.secret_ledger $$;

create function system_api.api_probe_sleep(seconds double precision) returns int
  language sql stable as $$ select 1 from pg_sleep(seconds) $$;

create function system_api.api_probe_ungranted() returns int language sql stable as $$ select 1 $$;

revoke execute on all functions in schema system_api from public;
grant execute on function
  system_api.api_probe_rows(int), system_api.api_probe_one(text), system_api.api_probe_whoami(),
  system_api.api_probe_refuse(), system_api.api_probe_leak(), system_api.api_probe_sleep(double precision)
  to tp_system_operator;
`;

export async function installProbes(pool: pg.Pool): Promise<void> {
  await pool.query(probeSql);
}
