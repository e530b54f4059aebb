/// The logged-in browser sessions: a random session token (the cookie) and, per session, a
/// random CSRF token that every change must carry. Pure apart from the random source; time is
/// passed in. Bounded by `WebConsoleLimits.maximumSessions` (the oldest is dropped).
public struct SessionBook: Sendable {
    public struct Session: Equatable, Sendable {
        public var csrfToken: String
        public var lastUsed: Double
        public var peer: String
    }

    private var sessions: [String: Session] = [:]
    public let idleSeconds: Double
    public let maximumSessions: Int

    public init(idleSeconds: Double = WebConsoleLimits.sessionIdleSeconds,
                maximumSessions: Int = WebConsoleLimits.maximumSessions) {
        self.idleSeconds = idleSeconds
        self.maximumSessions = maximumSessions
    }

    /// Opens a session; returns its token (the cookie value).
    public mutating func open(peer: String, now: Double, using generator: inout some RandomNumberGenerator) -> String {
        sessions = sessions.filter { now - $0.value.lastUsed < idleSeconds }
        if sessions.count >= maximumSessions, let oldest = sessions.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key {
            sessions[oldest] = nil
        }
        let token = Self.randomToken(using: &generator)
        sessions[token] = Session(csrfToken: Self.randomToken(using: &generator), lastUsed: now, peer: peer)
        return token
    }

    /// The session of `token`, refreshed; nil when unknown or idle too long.
    public mutating func use(_ token: String?, now: Double) -> Session? {
        guard let token, var session = sessions[token] else { return nil }
        guard now - session.lastUsed < idleSeconds else {
            sessions[token] = nil
            return nil
        }
        session.lastUsed = now
        sessions[token] = session
        return session
    }

    public mutating func close(_ token: String?) {
        if let token { sessions[token] = nil }
    }

    public var count: Int { sessions.count }

    /// 32 random bytes in lower-case hex (cookie- and form-safe).
    static func randomToken(using generator: inout some RandomNumberGenerator) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        for _ in 0..<32 {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
    }

    /// Compares tokens in time independent of where they differ.
    public static func tokensMatch(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for (p, q) in zip(x, y) { difference |= p ^ q }
        return difference == 0
    }
}
