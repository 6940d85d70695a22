/// Snapshots become binary (`SnapshotDocument`'s compact form, a BLOB in `state`), so the twin's status moves into a
/// column of its own, filled here from the JSON that older twinds wrote.
enum Schema4 {
    static let sql = """
        ALTER TABLE twin_snapshots ADD COLUMN status TEXT;
        UPDATE twin_snapshots SET status = CASE WHEN json_valid(state)
            THEN coalesce(json_extract(state, '$.twin.status'), json_extract(state, '$.status')) END;
        """
}
