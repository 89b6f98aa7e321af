-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;
