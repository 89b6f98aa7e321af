set local role tp_owner;
