-- The one precedence of health levels (SPEC §4.1): critical > warn > unknown > ok. Everything
-- that compares or combines levels goes through health.severity (directly or via health.worst).
create or replace function health.severity(p_level health.level) returns int
  -- Not strict: a strict function whose body is a CASE cannot be inlined, and this runs per row.
  language sql immutable parallel safe
as $$
  select case p_level
    when 'critical' then 3
    when 'warn' then 2
    when 'unknown' then 1
    when 'ok' then 0
  end
$$;
comment on function health.severity(health.level) is
  'Severity rank of a level: critical 3 > warn 2 > unknown 1 > ok 0 (the one precedence of SPEC §4.1).';
grant execute on function health.severity(health.level) to tp_system_operator;

create or replace function health.worse(p_a health.level, p_b health.level) returns health.level
  language sql immutable parallel safe
as $$
  select case
    when p_a is null then p_b
    when p_b is null then p_a
    when health.severity(p_b) > health.severity(p_a) then p_b
    else p_a
  end
$$;
comment on function health.worse(health.level, health.level) is
  'The worse of two levels by health.severity (nulls ignored).';
grant execute on function health.worse(health.level, health.level) to tp_system_operator;

create or replace aggregate health.worst(health.level) (
  sfunc = health.worse,
  stype = health.level,
  combinefunc = health.worse,
  parallel = safe
);
comment on aggregate health.worst(health.level) is
  'The worst level of a set by health.severity; null for an empty set.';
grant execute on function health.worst(health.level) to tp_system_operator;
