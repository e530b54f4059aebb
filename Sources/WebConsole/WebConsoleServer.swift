import ApplianceConfig
import ControlPlane
import Crypto
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import Telemetry

/// The web console over HTTPS (Hummingbird): login, dashboard, the list behind each number,
/// settings through the console's command table, and `/metrics`. The routes only translate:
/// pages come from the pure models, changes from `ApplianceConsole`, numbers from Telemetry.
public final class WebConsoleServer: Sendable {
    static let cookieName = "mailsec_session"

    let environment: WebConsoleEnvironment
    private let state = NIOLockedValueBox(State())

    private struct State {
        var sessions = SessionBook()
        var throttle = LoginThrottle()
        /// SHA-256 of (stored hash text, password) of Basic credentials that verified, so a
        /// Prometheus scrape every few seconds does not pay PBKDF2 each time. Bounded.
        var verifiedScrapeCredentials: [Data] = []
    }

    public init(environment: WebConsoleEnvironment) {
        self.environment = environment
    }

    /// The Hummingbird application on `host:port` with `tls`; run it with `run()`.
    public func application(host: String, port: Int, tls: TLSConfiguration,
                            onRunning: @escaping @Sendable (Int?) -> Void) throws -> some ApplicationProtocol {
        let router = Router(context: WebRequestContext.self)
        router.add(middleware: HostGateMiddleware(environment: environment))
        routes(router)
        var logger = Logger(label: "mailsecd.web")
        // Hummingbird logs a cancelled child channel at shutdown as an error; our own failures are
        // reported through `report` (stderr and syslog).
        logger.logLevel = .critical
        return Application(
            router: router, server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in onRunning(channel.localAddress?.port) },
            logger: logger)
    }

    // MARK: - routes

    private func routes(_ router: Router<WebRequestContext>) {
        router.get("/login") { request, _ in
            WebResponses.html(LoginPage.render(strings: Self.strings(request), error: nil))
        }
        router.post("/login") { request, context in try await self.logIn(request, context) }
        router.post("/logout") { request, context in
            let fields = try await Self.form(request)
            guard let (session, token) = self.session(request), SessionBook.tokensMatch(fields["csrf"] ?? "", session.csrfToken) else {
                return WebResponses.text(Self.strings(request).csrfRefused, status: .forbidden)
            }
            self.state.withLockedValue { $0.sessions.close(token) }
            self.environment.log("Web console: \(context.peer ?? "?") logged out")
            var response = WebResponses.seeOther("/login")
            response.setCookie(Self.cookie("", maxAge: 0))
            return response
        }
        router.get("/") { request, context in
            try await self.withSession(request, context) { session in
                let strings = Self.strings(request)
                return WebResponses.html(DashboardPage.render(self.dashboard(request, strings), strings: strings, csrf: session.csrfToken))
            }
        }
        router.get("/gadgets") { request, context in
            try await self.withSession(request, context) { session in
                let strings = Self.strings(request)
                return WebResponses.html(DashboardPage.gadgets(self.dashboard(request, strings), strings: strings, csrf: session.csrfToken))
            }
        }
        router.post("/acknowledge") { request, context in
            try await self.change(request, context) { _, peer in
                self.environment.statistics.acknowledgeDetections()
                self.environment.log("Web console: \(peer) acknowledged the detections")
                return WebResponses.seeOther("/")
            }
        }
        router.get("/mails") { request, context in
            try await self.withSession(request, context) { session in
                let strings = Self.strings(request)
                let query = request.uri.queryParameters
                guard let p = query["protocol"].flatMap({ MailProtocol(rawValue: String($0)) }),
                      let counter = query["counter"].flatMap({ MailCounter(rawValue: String($0)) })
                else { return WebResponses.text("Unknown protocol or counter\n", status: .badRequest) }
                let range = query["range"].flatMap { ChartRange(rawValue: String($0)) } ?? .hour
                let model = MailListModel(statistics: self.environment.statistics, protocol: p, counter: counter,
                                          range: range, strings: strings, now: self.environment.clock())
                return WebResponses.html(MailListPage.render(
                    model, strings: strings,
                    noPassword: !self.environment.console.configuration.hasAdministratorPassword, csrf: session.csrfToken))
            }
        }
        router.get("/not-inspected") { request, context in
            try await self.withSession(request, context) { session in
                WebResponses.html(MailListPage.renderNotInspected(
                    count: self.environment.statistics.uninspectedSessions, strings: Self.strings(request),
                    noPassword: !self.environment.console.configuration.hasAdministratorPassword, csrf: session.csrfToken))
            }
        }
        router.get("/settings") { request, context in
            try await self.withSession(request, context) { session in
                WebResponses.html(SettingsPage.render(configuration: self.environment.console.configuration, outcome: nil,
                                                      strings: Self.strings(request), csrf: session.csrfToken))
            }
        }
        router.post("/settings") { request, context in
            try await self.change(request, context) { fields, peer in
                guard let line = SettingsPage.line(fields: fields) else {
                    return WebResponses.text("Unknown setting\n", status: .badRequest)
                }
                return try await self.run(line, peer: peer, request: request, fields: fields)
            }
        }
        router.post("/save") { request, context in
            try await self.change(request, context) { fields, peer in
                try await self.run("save", peer: peer, request: request, fields: fields)
            }
        }
        router.get("/metrics") { request, context in try await self.metrics(request, context) }
        router.get("/site-ca.pem") { request, context in
            try await self.withSession(request, context) { _ in
                // The same answer as the console's `show mail security tls ca` (docs/tls.md):
                // the certificate block of it, to install on office clients.
                let reply = try await self.environment.threadPool.runIfActive {
                    self.environment.console.execute("show mail security tls ca", access: ConsoleAccess(administrator: true))
                }
                guard reply.ok, let start = reply.output.range(of: "-----BEGIN CERTIFICATE-----") else {
                    return WebResponses.text(reply.output, status: .notFound)
                }
                var response = WebResponses.text(String(reply.output[start.lowerBound...]), contentType: "application/x-pem-file")
                response.headers[.contentDisposition] = "attachment; filename=\"mail-security-site-ca.pem\""
                return response
            }
        }
    }

    // MARK: - sessions and changes

    private static func strings(_ request: Request) -> Strings {
        Strings.for(Language.pick(acceptLanguage: request.headers[.acceptLanguage]))
    }

    private func now() -> Double { environment.clock().timeIntervalSince1970 }

    private func session(_ request: Request) -> (SessionBook.Session, String)? {
        guard let token = request.cookies[Self.cookieName]?.value else { return nil }
        let now = now()
        return state.withLockedValue { state in state.sessions.use(token, now: now).map { ($0, token) } }
    }

    static func cookie(_ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: cookieName, value: value, maxAge: maxAge, path: "/", secure: true, httpOnly: true, sameSite: .strict)
    }

    /// Runs `body` with the browser's session; without one, opens one when no administrator
    /// password is set (the pages are then open, and say so), else sends the browser to log in.
    private func withSession(_ request: Request, _ context: WebRequestContext,
                             _ body: (SessionBook.Session) async throws -> Response) async throws -> Response {
        if let (session, _) = session(request) { return try await body(session) }
        guard !environment.console.configuration.hasAdministratorPassword else { return WebResponses.seeOther("/login") }
        let now = now()
        let (token, session) = state.withLockedValue { state -> (String, SessionBook.Session) in
            var generator = SystemRandomNumberGenerator()
            let token = state.sessions.open(peer: context.peer ?? "?", now: now, using: &generator)
            return (token, state.sessions.use(token, now: now)!)
        }
        var response = try await body(session)
        response.setCookie(Self.cookie(token))
        return response
    }

    /// A change: needs a session and the session's CSRF token in the form.
    private func change(_ request: Request, _ context: WebRequestContext,
                        _ body: @escaping ([String: String], String) async throws -> Response) async throws -> Response {
        let fields = try await Self.form(request)
        guard let (session, _) = session(request) else {
            return environment.console.configuration.hasAdministratorPassword
                ? WebResponses.seeOther("/login")
                : WebResponses.text(Self.strings(request).csrfRefused + "\n", status: .forbidden)
        }
        guard let token = fields["csrf"], SessionBook.tokensMatch(token, session.csrfToken) else {
            environment.log("Web console: \(context.peer ?? "?") change refused: missing or wrong CSRF token")
            return WebResponses.text(Self.strings(request).csrfRefused + "\n", status: .forbidden)
        }
        return try await body(fields, context.peer ?? "?")
    }

    /// One console line, as the console runs it (administrator rights: the session logged in
    /// with the administrator password, or none is set), logged with the peer.
    private func run(_ line: String, peer: String, request: Request, fields: [String: String]) async throws -> Response {
        let console = environment.console
        let reply = try await environment.threadPool.runIfActive {
            console.execute(line, access: ConsoleAccess(administrator: true))
        }
        let shown = SettingsPage.redacted(line)
        environment.log("Web console: \(peer) ran '\(shown)': \(reply.ok ? "OK" : reply.output.trimmingCharacters(in: .newlines))")
        guard let (session, _) = session(request) else { return WebResponses.seeOther("/login") }
        let outcome = SettingsPage.Outcome(line: shown, ok: reply.ok, output: reply.output)
        return WebResponses.html(SettingsPage.render(configuration: console.configuration, outcome: outcome,
                                                     strings: Self.strings(request), csrf: session.csrfToken),
                                 status: reply.ok ? .ok : .unprocessableContent)
    }

    private func logIn(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        let strings = Self.strings(request)
        let fields = try await Self.form(request)
        let peer = context.peer ?? "?"
        let now = now()
        guard state.withLockedValue({ $0.throttle.mayTry(peer, now: now) }) else {
            environment.log("Web console: \(peer) login refused: too many failures")
            return WebResponses.html(LoginPage.render(strings: strings, error: strings.tooManyAttempts), status: .tooManyRequests)
        }
        let configuration = environment.console.configuration
        let password = fields["password"] ?? ""
        let verified = try await environment.threadPool.runIfActive { configuration.verifyAdministratorPassword(password) }
        guard verified else {
            state.withLockedValue { $0.throttle.recordFailure(peer, now: now) }
            environment.log("Web console: \(peer) login failed")
            return WebResponses.html(LoginPage.render(strings: strings, error: strings.wrongPassword), status: .unauthorized)
        }
        let token = state.withLockedValue { state -> String in
            state.throttle.recordSuccess(peer)
            var generator = SystemRandomNumberGenerator()
            return state.sessions.open(peer: peer, now: now, using: &generator)
        }
        environment.log("Web console: \(peer) logged in")
        var response = WebResponses.seeOther("/")
        response.setCookie(Self.cookie(token))
        return response
    }

    private func dashboard(_ request: Request, _ strings: Strings) -> DashboardModel {
        let range = request.uri.queryParameters["range"].flatMap { ChartRange(rawValue: String($0)) } ?? .hour
        return DashboardModel(statistics: environment.statistics, live: environment.live(), range: range,
                              noPassword: !environment.console.configuration.hasAdministratorPassword,
                              strings: strings, now: environment.clock())
    }

    /// `/metrics`: open like the pages when no password is set; otherwise a logged-in session
    /// or HTTP Basic with the administrator password (any user name), rate-limited like logins.
    private func metrics(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        let configuration = environment.console.configuration
        if configuration.hasAdministratorPassword, session(request) == nil {
            guard try await scrapeAuthorized(request, peer: context.peer ?? "?", configuration: configuration) else {
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"mailsec\""])
            }
        }
        let snapshot = MetricsSnapshot(statistics: environment.statistics, live: environment.live(), version: environment.version)
        return WebResponses.text(MetricsExposition.render(snapshot), contentType: MetricsExposition.contentType)
    }

    private func scrapeAuthorized(_ request: Request, peer: String, configuration: Configuration) async throws -> Bool {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return false }
        let password = String(text[text.index(after: colon)...])
        let stored = configuration.renderedLines(of: "administrator password").first ?? ""
        let fingerprint = Data(SHA256.hash(data: Data((stored + "\u{0}" + password).utf8)))
        if state.withLockedValue({ $0.verifiedScrapeCredentials.contains(fingerprint) }) { return true }
        let now = now()
        guard state.withLockedValue({ $0.throttle.mayTry(peer, now: now) }) else { return false }
        let verified = try await environment.threadPool.runIfActive { configuration.verifyAdministratorPassword(password) }
        state.withLockedValue { state in
            if verified {
                state.verifiedScrapeCredentials.append(fingerprint)
                if state.verifiedScrapeCredentials.count > 4 { state.verifiedScrapeCredentials.removeFirst() }
            } else {
                state.throttle.recordFailure(peer, now: now)
            }
        }
        return verified
    }

    /// The form body, at most `WebConsoleLimits.maximumBodyBytes`.
    private static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: WebConsoleLimits.maximumBodyBytes)
        return FormFields.parse(String(buffer: buffer))
    }
}
