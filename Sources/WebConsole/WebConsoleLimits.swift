/// Every bound of the web console, in one place (docs/web-console.md).
public enum WebConsoleLimits {
    /// Request bodies (a settings form, a login form): far above any command line
    /// (`CommandLimits.maxLineLength`), so nothing larger is ever buffered.
    public static let maximumBodyBytes = 16 * 1024
    /// Logged-in browser sessions kept at once; the oldest is dropped beyond it.
    public static let maximumSessions = 64
    /// A session unused this long must log in again.
    public static let sessionIdleSeconds: Double = 30 * 60
    /// Failed logins one peer address may make within `loginWindowSeconds`; further attempts
    /// are refused without checking the password until the window has passed.
    public static let loginFailuresPerWindow = 5
    public static let loginWindowSeconds: Double = 5 * 60
    /// Peer addresses the login throttle remembers; beyond it the stalest is forgotten.
    public static let throttledPeers = 1024
    /// The dashboard polls this often while it is visible (the issue asks for at most 5 s).
    public static let refreshSeconds = 5
    /// Detections shown in the gadget (the history keeps `TelemetryLimits.detectionHistoryEntries`).
    public static let gadgetDetections = 10
    /// Lifetime of the certificate generated at first start.
    public static let certificateDays = 3650
}
