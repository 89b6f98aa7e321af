-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
