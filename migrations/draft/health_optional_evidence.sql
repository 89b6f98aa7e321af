-- The per-tenant dimensions, their roll-up and health.evaluate gain p_with_evidence (the
-- summaries skip building evidence); the old signatures go first, so calls stay unambiguous.
-- Nothing depends on them by catalog (function bodies are strings; views call other functions).
drop function health.evaluate(text, uuid);
drop function health.dimension_onboarding_readiness(uuid);
drop function health.dimension_provider_connection_health(uuid);
drop function health.dimension_governance_pressure(uuid);
drop function health.roll_up_tenants(uuid, text, health.tenant_result[]);
