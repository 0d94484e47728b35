import ArgumentParser

/// How a command prints data. Every format but `table` is meant for programs and has a schema in `schemas/`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json, ndjson, csv
}
