/// `simrun live init`: the schema of model file section 11 on a server.
public enum LiveSchema {
    /// Creates the tables (if missing); returns the tables the database then has.
    public static func create(url: DatabaseURL, sql: SQLStatements) throws -> [String] {
        let session = try MariaDBSession(url)
        for part in sql.parts("schema") { try session.execute(part) }
        return try session.query("SHOW TABLES").rows.compactMap { $0.first ?? nil }.sorted()
    }
}
