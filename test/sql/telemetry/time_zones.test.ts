// Time rules mean the same instants in every session TimeZone: a day is 24 hours, windows and
// the retention cutoff are counted in hours, daily partitions are UTC days. A session in a zone
// with daylight saving time (the recorder and the capture seams run in their caller's session)
// must not get a 23- or 25-hour day.
import { describe, expect, it } from 'vitest';
import { as, useTestDatabase } from '../../helpers/database.ts';
import { createWorld } from './fixtures.ts';

const db = useTestDatabase();
const windows = ['last_hour', 'last_24_hours', 'last_7_days', 'last_30_days'];

describe('time rules in a session TimeZone with daylight saving time', () => {
  it('creates daily partitions of exactly one UTC day across both DST changes of America/New_York', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      await c.query(`set local timezone = 'America/New_York'`);
      await c.query(`select telemetry.ensure_partitions('2027-03-12 12:00+00', '2027-03-16 12:00+00')`);
      await c.query(`select telemetry.ensure_partitions('2027-11-05 12:00+00', '2027-11-09 12:00+00')`);
      // Bounds are instants; pg_get_expr prints them in the session's zone, so read them in UTC.
      await c.query(`set local timezone = 'UTC'`);
      const { rows } = await c.query<{ partition: string; bound: string }>(
        `select c.relname as partition, pg_get_expr(c.relpartbound, c.oid) as bound
           from pg_inherits as i join pg_class as c on c.oid = i.inhrelid
          where i.inhparent = any (array['telemetry.product_usage_events', 'telemetry.usage_daily_rollup',
                                         'telemetry.usage_daily_workspace_rollup', 'telemetry.usage_hourly_event_rollup']::regclass[])
            and (c.relname ~ '_p202703(1[2-6])$' or c.relname ~ '_p202711(0[5-9])$')
          order by 1`);
      const { rows: expected } = await c.query<{ partition: string; bound: string }>(
        `select t || '_p' || to_char(d, 'YYYYMMDD') as partition,
                format('FOR VALUES FROM (%L) TO (%L)', d::timestamptz, (d + 1)::timestamptz) as bound
           from unnest(array['product_usage_events', 'usage_daily_rollup', 'usage_daily_workspace_rollup', 'usage_hourly_event_rollup']) as t,
                unnest(array(select generate_series(timestamp '2027-03-12', '2027-03-16', '1 day')::date union all
                             select generate_series(timestamp '2027-11-05', '2027-11-09', '1 day')::date)) as d
          order by 1`);
      expect(rows).toEqual(expected);
    }));

  it('measures every console window in hours, so a window is the same instants in every zone', () =>
    as(db.pool, { role: 'tp_system_operator' }, async (c) => {
      for (const w of windows) {
        const { rows: [lengths] } = await c.query(
          `select extract(day from telemetry.console_window_length($1::system_api.console_window))::int as telemetry,
                  extract(day from health.window_length($2))::int as health`, [w, w]);
        expect(lengths, w).toEqual({ telemetry: 0, health: 0 });
        const starts: string[] = [];
        for (const zone of ['UTC', 'America/New_York', 'Australia/Lord_Howe']) {
          await c.query(`select set_config('timezone', $1, true)`, [zone]);
          const { rows: [s] } = await c.query(
            `select extract(epoch from window_start)::text as start, extract(epoch from window_end - window_start)::int as seconds
               from system_api.usage_summary($1)`, [w]);
          starts.push(s.start);
          expect(s.seconds, `${w} in ${zone}`).toBe({ last_hour: 1, last_24_hours: 24, last_7_days: 168, last_30_days: 720 }[w]! * 3600);
        }
        expect(new Set(starts).size, w).toBe(1);
      }
    }));

  // (Catches a day-based cutoff only while a New York DST change lies in the last 90 days, most
  // of the year; the window test above pins the hour-based lengths on any date.)
  it('applies the retention cutoff (retention_days × 24 hours) alike in every zone', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      await c.query(`select telemetry.ensure_partitions(now() - interval '2200 hours', now())`);
      for (const zone of ['UTC', 'America/New_York']) {
        await c.query(`select set_config('timezone', $1, true)`, [zone]);
        const record = async (ago: string) => {
          await c.query('savepoint s');
          const verdict = await c.query(`select telemetry.record_event('support.diagnostics_opened', $1, $2, $3, 'tenant', $2, '{}', now() - $4::interval)`,
            [w.workspaceId, w.tenantId, w.userId, ago]).then(() => 'accepted', (e: { code?: string }) => e.code);
          await c.query('rollback to savepoint s');
          return verdict;
        };
        expect(await record('2160 hours'), zone).toBe('accepted');
        expect(await record('2160 hours 1 microsecond'), zone).toBe('TP005');
      }
    }));
});
