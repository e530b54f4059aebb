import Foundation
import Testing
import TestSupport

/// Finding the daemons the integration tests need. A missing daemon is a failure naming the
/// Debian package, never a silent pass.
enum RealDaemon {
    static func executable(_ name: String, package: String) throws -> String {
        for directory in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
            let path = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        Issue.record("\(name) is not installed: apt-get install \(package)")
        throw MissingDaemon(name: name)
    }

    struct MissingDaemon: Error {
        var name: String
    }
}
