import Fluent
import SQLKit

/// Stations' licences (number, expiry, address, person in charge) and their annual inspections.
/// Existing stations keep empty licence columns: they read as "licence not recorded", take no
/// new sessions and are not listed publicly until their unit records the licence.
struct M011_StationLicences: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("stations").field("licence_no", .string).update()
        try await db.schema("stations").field("licence_expires", .string).update()
        try await db.schema("stations").field("address", .string).update()
        try await db.schema("stations").field("person_in_charge", .string).update()
        try await db.schema("station_inspections")
            .id()
            .field("station_code", .string, .required, .references("stations", "code", onDelete: .cascade))
            .field("year", .int, .required, .sql(.check(SQLRaw("year BETWEEN 1900 AND 2999"))))
            .field("inspected_on", .string, .required)
            .field(
                "outcome", .string, .required,
                .sql(.check(SQLRaw("outcome IN ('qualified', 'rectification', 'revoked')")))
            )
            .field("note", .sql(.text), .required)
            .field("recorded_by", .string, .required)
            .field("recorded_at", .datetime, .required)
            .unique(on: "station_code", "year")
            .create()
        if let sql = db as? any SQLDatabase {
            // The public list filters on these.
            try await sql.create(index: "stations_region_idx").on("stations").column("region_code").run()
            try await sql.create(index: "station_scopes_occupation_idx").on("station_scopes").column("occupation_code").run()
        }
    }

    func revert(on db: any Database) async throws {
        if let sql = db as? any SQLDatabase {
            try await sql.raw("DROP INDEX station_scopes_occupation_idx").run()
            try await sql.raw("DROP INDEX stations_region_idx").run()
        }
        try await db.schema("station_inspections").delete()
        for field in ["person_in_charge", "address", "licence_expires", "licence_no"] {
            try await db.schema("stations").deleteField(.string(field)).update()
        }
    }
}
