#if canImport(Glibc)
import Glibc
#endif

/// The text form of a 4- or 16-byte address as `inet_ntop` writes it (RFC 5952 for IPv6:
/// lower case, the longest run of zeros compressed), so each address has one canonical spelling
/// in `show config`.
enum AddressText {
    static func format(_ bytes: [UInt8]) -> String {
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        return ok ? String(cString: buffer) : ""
    }

    /// The canonical text of a numeric address, nil when `text` is not one.
    static func canonical(_ text: String) -> String? {
        HTTPDHost.addressBytes(text).map(format)
    }
}
