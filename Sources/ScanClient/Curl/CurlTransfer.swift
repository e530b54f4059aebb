import CCurl
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// One easy handle and the buffers it reads from and writes to. Lives on the curl thread only:
/// created, driven and destroyed there by `CurlEngine`.
final class CurlTransfer {
    let id: CurlTransferID
    let easy: UnsafeMutableRawPointer
    let completion: @Sendable (CurlExchange) -> Void

    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let body: ByteBuffer?
    private var bodyOffset = 0
    private var reply = ByteBuffer()
    private let replyLimit: Int
    private var replyTooLarge = false
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    /// Nil when libcurl cannot allocate a handle; the engine reports that as a failed exchange.
    init?(id: CurlTransferID, request: CurlRequest, completion: @escaping @Sendable (CurlExchange) -> Void) {
        guard let easy = curl_easy_init() else { return nil }
        self.id = id
        self.easy = easy
        self.completion = completion
        self.body = request.body
        self.replyLimit = request.replyLimit
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        configure(request)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    private func configure(_ request: CurlRequest) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url)
        // Only the web protocols: a mistyped `ysc url` must not make us speak FTP or read files.
        ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "https,http")
        // Several threads use libcurl; signals (the default for DNS timeouts) would hit any of them.
        ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, max(1, request.connectTimeoutMilliseconds))
        ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, max(1, request.totalTimeoutMilliseconds))
        ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)

        // Trust exactly the firmware's bundle: no system CA directory next to it.
        ccurl_easy_setopt_string(easy, CURLOPT_CAINFO, request.caBundlePath)
        ccurl_easy_setopt_pointer(easy, CURLOPT_CAPATH, nil)
        ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2)
        if let identity = request.clientCertificate {
            // Read by libcurl when it connects; an unreadable or mismatched pair fails the
            // attempt with CURLE_SSL_CERTPROBLEM (a TLS failure, logged like the others).
            ccurl_easy_setopt_string(easy, CURLOPT_SSLCERT, identity.certificatePath)
            ccurl_easy_setopt_string(easy, CURLOPT_SSLCERTTYPE, "PEM")
            ccurl_easy_setopt_string(easy, CURLOPT_SSLKEY, identity.keyPath)
            ccurl_easy_setopt_string(easy, CURLOPT_SSLKEYTYPE, "PEM")
        }

        var list: UnsafeMutablePointer<curl_slist>? = nil
        // "Expect:" switches off 100-continue, which would add up to a second per large message.
        for header in request.headers + ["Expect:"] {
            list = curl_slist_append(list, header)
        }
        headerList = list
        ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list)

        ccurl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlTransferWrite)
        ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)

        switch request.method {
        case .get:
            ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
        case .post:
            ccurl_easy_setopt_long(easy, CURLOPT_POST, 1)
            ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body?.readableBytes ?? 0))
            ccurl_easy_setopt_data_callback(easy, CURLOPT_READFUNCTION, curlTransferRead)
            ccurl_easy_setopt_pointer(easy, CURLOPT_READDATA, me)
            // libcurl rewinds when a reused keep-alive connection turns out dead and it resends.
            ccurl_easy_setopt_seek_callback(easy, curlTransferSeek)
            ccurl_easy_setopt_pointer(easy, CURLOPT_SEEKDATA, me)
        }
    }

    /// CURLOPT_READFUNCTION: hand libcurl the next slice of the message.
    fileprivate func read(into destination: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        guard let body else { return 0 }
        let count = min(capacity, body.readableBytes - bodyOffset)
        guard count > 0 else { return 0 }
        body.withUnsafeReadableBytes { source in
            UnsafeMutableRawPointer(destination).copyMemory(from: source.baseAddress! + bodyOffset, byteCount: count)
        }
        bodyOffset += count
        return count
    }

    fileprivate func seek(to offset: Int, origin: Int32) -> Int32 {
        guard origin == SEEK_SET, let body, offset >= 0, offset <= body.readableBytes else {
            return 2 // CURL_SEEKFUNC_CANTSEEK: libcurl then fails the transfer cleanly
        }
        bodyOffset = offset
        return 0 // CURL_SEEKFUNC_OK
    }

    /// CURLOPT_WRITEFUNCTION: keep the reply, but never more than the limit.
    fileprivate func write(from source: UnsafeMutablePointer<CChar>, count: Int) -> Int {
        guard reply.readableBytes + count <= replyLimit else {
            replyTooLarge = true
            return 0 // a short count makes libcurl stop with CURLE_WRITE_ERROR
        }
        reply.writeBytes(UnsafeRawBufferPointer(start: source, count: count))
        return count
    }

    /// Collects the outcome after libcurl reported the transfer done.
    func exchange(result: CURLcode) -> CurlExchange {
        var status = 0, port = 0, connects = 0
        var connectTime: curl_off_t = 0, totalTime: curl_off_t = 0
        var ip: UnsafeMutablePointer<CChar>? = nil
        ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        ccurl_easy_getinfo_long(easy, CURLINFO_PRIMARY_PORT, &port)
        ccurl_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
        ccurl_easy_getinfo_off_t(easy, CURLINFO_CONNECT_TIME_T, &connectTime)
        ccurl_easy_getinfo_off_t(easy, CURLINFO_TOTAL_TIME_T, &totalTime)
        ccurl_easy_getinfo_string(easy, CURLINFO_PRIMARY_IP, &ip)
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(result))
        return CurlExchange(
            curlCode: Int(result.rawValue), errorText: detail, httpStatus: status,
            body: reply, replyTooLarge: replyTooLarge, cancelled: false,
            primaryIP: ip.map { String(cString: $0) } ?? "", primaryPort: port,
            newConnections: connects, connected: connectTime > 0 || status > 0,
            totalTime: .microseconds(Int64(totalTime)))
    }
}

// The C callbacks: plain functions (no captures), the transfer arrives as the user pointer.

private func curlTransferWrite(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let user else { return 0 }
    return Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue().write(from: buffer, count: size * count)
}

private func curlTransferRead(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let user else { return 0 }
    return Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue().read(into: buffer, capacity: size * count)
}

private func curlTransferSeek(_ user: UnsafeMutableRawPointer?, _ offset: curl_off_t, _ origin: Int32) -> Int32 {
    guard let user else { return 2 }
    return Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue().seek(to: Int(offset), origin: origin)
}
