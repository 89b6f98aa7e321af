-- Dimension 5, review-pack readiness (SPEC §4.2), over a window (p_as_of - p_length, p_as_of]
-- ("recent" = the window). Request context = a review_packs.generation_requested event in the
-- window (of an active tenant) or a review pack created in the window. The latest relevant pack =
-- the newest pack created in the window (workspace-wide or of an active tenant); it alone decides.
--   no request context and no pack in the window   unknown   review_packs.no_request
--   context, no usable pack yet (none, or latest queued/generating)
--                                                   warn      review_packs.not_generated / review_packs.pending
--   latest ready and not expired (expires_at null or after p_as_of)
--                                                   ok        review_packs.ready
--   latest failed, or ready but expired             critical  review_packs.failed / review_packs.expired
-- Attribution: the latest pack's tenant; with no pack, the one tenant of the request events.
-- Request events are counted (health.review_pack_requests) only where no pack was created in the
-- window; elsewhere evidence.request_events is null (the latest pack decides).
create or replace function health.dimension_review_pack_readiness(
  p_as_of timestamptz, p_length interval, p_workspace_id uuid default null
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  with packs as (
    select p.workspace_id, p.id, p.tenant_id, p.status, p.expires_at, p.created_at,
           pg_catalog.row_number() over (partition by p.workspace_id order by p.created_at desc, p.id desc) as recency
      from (select p.* from platform.review_packs as p where p_workspace_id is null
            union all
            select p.* from platform.review_packs as p where p.workspace_id = p_workspace_id) as p
     where p.created_at > p_as_of - p_length and p.created_at <= p_as_of
       -- (excluding the few archived tenants' packs: tenants_archived_idx)
       and not exists (select from platform.tenants as t
                        where t.workspace_id = p.workspace_id and t.id = p.tenant_id and t.archived_at is not null)
  ),
  pack_summary as (
    select p.workspace_id,
           count(*)::int as packs,
           pg_catalog.jsonb_agg(p.id order by p.recency) filter (where p.recency <= 5) as pack_ids,
           (pg_catalog.array_agg(p.id) filter (where p.recency = 1))[1] as latest_id,
           (pg_catalog.array_agg(p.tenant_id) filter (where p.recency = 1))[1] as latest_tenant,
           (pg_catalog.array_agg(p.status) filter (where p.recency = 1))[1] as latest_status,
           bool_or(p.status = 'ready' and p.expires_at <= p_as_of) filter (where p.recency = 1) as latest_expired
      from packs as p
     group by p.workspace_id
  ),
  workspaces as (
    select w.id, s.packs, s.pack_ids, s.latest_id, s.latest_tenant, s.latest_status, s.latest_expired
      from health.active_workspaces(p_workspace_id) as w
      left join pack_summary as s on s.workspace_id = w.id
  ),
  judged as (
    -- Request events only matter where no pack was created in the window (a pack is context).
    select w.id as workspace_id,
           coalesce(r.request_events, 0) as request_events,
           pg_catalog.cardinality(r.tenant_ids) as request_tenants, r.tenant_ids[1] as request_tenant,
           coalesce(w.packs, 0) as packs, w.pack_ids, w.latest_id, w.latest_tenant, w.latest_status,
           coalesce(w.latest_expired, false) as latest_expired
      from workspaces as w
      left join health.review_pack_requests(
        array(select w2.id from workspaces as w2 where w2.packs is null),
        p_as_of - p_length, p_as_of) as r on r.workspace_id = w.id
  ),
  verdict as (
    select j.*,
           case when j.packs = 0 and j.request_events = 0 then 'review_packs.no_request'
                when j.packs = 0 then 'review_packs.not_generated'
                when j.latest_status in ('queued', 'generating') then 'review_packs.pending'
                when j.latest_status = 'failed' then 'review_packs.failed'
                when j.latest_expired then 'review_packs.expired'
                else 'review_packs.ready' end as code
      from judged as j
  )
  select v.workspace_id,
         case v.code when 'review_packs.no_request' then 'unknown'::health.level
                     when 'review_packs.not_generated' then 'warn'
                     when 'review_packs.pending' then 'warn'
                     when 'review_packs.ready' then 'ok'
                     else 'critical' end,
         v.code,
         case v.code
           when 'review_packs.no_request' then 'No review pack requested or created in the window'
           when 'review_packs.not_generated' then pg_catalog.format('%s review pack %s in the window, none generated yet',
             v.request_events, case when v.request_events = 1 then 'request' else 'requests' end)
           when 'review_packs.pending' then pg_catalog.format('The latest review pack is still %s', v.latest_status)
           when 'review_packs.failed' then 'The latest review pack failed'
           when 'review_packs.expired' then 'The latest review pack has expired'
           else 'The latest review pack is ready'
         end,
         pg_catalog.jsonb_build_object(
           'request_events', case when v.packs = 0 then v.request_events end, 'packs_in_window', v.packs,
           'latest_pack_id', v.latest_id, 'latest_status', v.latest_status,
           'pack_ids', coalesce(v.pack_ids, '[]')),
         case when v.latest_id is not null then v.latest_tenant
              when v.request_tenants = 1 then v.request_tenant end
    from verdict as v
$$;
comment on function health.dimension_review_pack_readiness(timestamptz, interval, uuid) is
  'Review-pack readiness per active workspace (or the one given) over the window (p_as_of - p_length, p_as_of].';
grant execute on function health.dimension_review_pack_readiness(timestamptz, interval, uuid) to tp_system_operator;
