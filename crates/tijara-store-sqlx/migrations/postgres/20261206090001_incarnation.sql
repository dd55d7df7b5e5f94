-- The database's incarnation (issue 15, step 25; Storage::incarnation): one row holding a
-- random token, in an UNLOGGED table. PostgreSQL empties unlogged tables whenever it recovers
-- from a crash (of the server, of one of its processes, or of the machine) and never copies
-- them to a standby or a base backup, which are exactly the events that may lose commits
-- acknowledged with synchronous_commit = off (a cart's deferred changes). The store reads the
-- token at start; after such an event the row is gone, a commit held to the old token
-- (Changeset::incarnation) finds no row and is refused, and the store writes a new token.
-- A clean shutdown keeps the row (and flushes every commit).
CREATE UNLOGGED TABLE incarnation (
    id int4 PRIMARY KEY CHECK (id = 1),
    token int8 NOT NULL CHECK (token > 0)
);
