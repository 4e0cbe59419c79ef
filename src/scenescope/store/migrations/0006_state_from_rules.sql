-- release_state is now generated from scenescope.engine.rules (the one home of the nuke-state
-- replay); store.db.migrate recreates it from there after the numbered migrations.
DROP VIEW IF EXISTS release_state;
