-- Admission rules of a group (issue 12, "who may join"): who is admitted
-- without approval when the group is open (this section's adherents, the
-- adherents of the party's sections, or anyone), and whether sympathisants
-- may join at all. Existing groups get the narrowest rule: "open" used to
-- admit any fediverse account.
ALTER TABLE groups ADD COLUMN admission TEXT NOT NULL DEFAULT 'section';
ALTER TABLE groups ADD COLUMN sympathisants_may_join BOOLEAN NOT NULL DEFAULT FALSE;
