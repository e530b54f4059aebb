/// The `200` reply to `GET /v1/health`.
///
/// ```
/// {"status": "ok", "engines": [{"name": "builtin", "state": "up"},
///                             {"name": "clamav", "state": "down", "detail": "connection refused"}]}
/// ```
public struct HealthReply: Codable, Sendable, Equatable {
    /// `ok` when every configured engine is up, `degraded` when some are down.
    public var status: Status
    public var engines: [EngineHealth]

    public enum Status: String, Codable, Sendable {
        case ok
        case degraded
    }

    public init(status: Status, engines: [EngineHealth]) {
        self.status = status
        self.engines = engines
    }
}

/// One engine's state as last observed.
public struct EngineHealth: Codable, Sendable, Equatable {
    public var name: String
    public var state: State
    /// Why it is down (the last error), absent when up.
    public var detail: String?

    public enum State: String, Codable, Sendable {
        case up
        case down
    }

    public init(name: String, state: State, detail: String? = nil) {
        self.name = name
        self.state = state
        self.detail = detail
    }
}
