-- One statement per changeset (issue 15, step 13): the store writes a checkout's order, its
-- keys and owners, the cart, the sale and the outbox events as data-modifying CTEs of one
-- statement, outside any explicit transaction (one round trip where BEGIN, four or five
-- statements and COMMIT took six or seven). The statement's last step calls this function
-- with whether every part wrote what it must (the document inserted, each key stored, every
-- variant's stock enough, ...). When one did not, it raises SQLSTATE TJ001, which undoes the
-- whole statement; the store then applies the changeset again statement by statement in a
-- transaction, which finds and reports the precise cause (a conflict, a key taken, a variant
-- out of stock). A function, not an expression: PostgreSQL may fold a constant expression
-- such as 1/0 while planning, but never calls a volatile function before executing.
CREATE FUNCTION tijara_changeset_applied(ok boolean) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'changeset not applied as one statement' USING ERRCODE = 'TJ001';
    END IF;
    RETURN true;
END;
$$;
