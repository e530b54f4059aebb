#!/bin/sh
# Generates the private CA and the TLS server certificate of the bundled scan service (yscd),
# and the client CA and client certificate the appliance can prove itself with to a scan
# service on a network address (yscd --client-ca, mailsecd --ysc-client-cert/--ysc-client-key).
#
#   firmware/make-pki.sh OUTDIR
#
# Writes, all PEM:
#   OUTDIR/ca.pem, ca.key             the CA that signs the scan service's certificate
#   OUTDIR/server.pem, server.key     the scan service's certificate (serverAuth)
#   OUTDIR/client-ca.pem, client-ca.key   the CA that signs the appliance's client certificate
#   OUTDIR/client.pem, client.key     the appliance's client certificate (clientAuth)
# Two CAs, not one: a scan service that trusts the client CA then accepts no certificate issued
# for another purpose (its own server certificate included).
#
# Idempotent: existing files are kept as they are, so running it from `make` never invalidates
# a CA that clients (or the scan service) already trust; a certificate is re-issued only when it
# is missing or no longer verifies against its CA.
# The server certificate names 127.0.0.1, ::1, localhost and ysc.local (subjectAltName), the
# addresses the appliance uses to reach its own scan service, and 203.0.113.10 and
# 2001:db8:3::10, the scan service's addresses in the dual-stack network lab (firmware/lab),
# where it runs on a host of its own.
# A certificate that lacks one of these names (made by an older version) is re-issued.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
out=$1
days_ca=3650
days_server=825   # the longest validity TLS clients commonly accept for a server certificate
days_client=825
san="IP:127.0.0.1,IP:::1,DNS:localhost,DNS:ysc.local,IP:203.0.113.10,IP:2001:db8:3::10${PKI_EXTRA_SAN:+,$PKI_EXTRA_SAN}"

mkdir -p "$out"
umask 077

ext=$(mktemp)
csr=$(mktemp)
trap 'rm -f "$ext" "$csr"' EXIT
changed=0

# missing NAME: OUTDIR/NAME.pem or NAME.key is missing or empty.
missing() {
    [ ! -s "$out/$1.key" ] || [ ! -s "$out/$1.pem" ]
}

# make_ca NAME CN: a new CA in OUTDIR/NAME.pem and NAME.key. (Called as a plain command, never
# in a condition, so that `set -e` stops the script when openssl fails.)
make_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$out/$1.key" -out "$out/$1.pem" -days "$days_ca" \
        -subj "/O=Mail Security Appliance/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    chmod 644 "$out/$1.pem"
    echo "make-pki: created CA $out/$1.pem"
}

# issue CA NAME CN DAYS: OUTDIR/NAME.pem and NAME.key signed by CA, extensions from $ext.
issue() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$out/$2.key" -out "$csr" -subj "/O=Mail Security Appliance/CN=$3" 2>/dev/null
    openssl x509 -req -in "$csr" -CA "$out/$1.pem" -CAkey "$out/$1.key" -CAcreateserial \
        -out "$out/$2.pem" -days "$4" -extfile "$ext" 2>/dev/null
    rm -f "$out/$1.srl"
    chmod 644 "$out/$2.pem"
    changed=1
}

# valid CA NAME: OUTDIR/NAME.pem and NAME.key exist and the certificate verifies against CA.
valid() {
    [ -s "$out/$2.pem" ] && [ -s "$out/$2.key" ] \
        && openssl verify -CAfile "$out/$1.pem" "$out/$2.pem" >/dev/null 2>&1
}

if missing ca; then
    make_ca ca "Appliance Scan Service CA"
    rm -f "$out/server.pem"   # a new CA means the old server certificate no longer chains
fi
if ! valid ca server \
    || ! openssl x509 -in "$out/server.pem" -noout -ext subjectAltName 2>/dev/null | grep -q "IP Address:203.0.113.10" \
    || ! openssl x509 -in "$out/server.pem" -noout -ext subjectAltName 2>/dev/null | grep -q "IP Address:2001:DB8:3:0:0:0:0:10"; then
    cat >"$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san
EXT
    issue ca server localhost "$days_server"
    echo "make-pki: issued $out/server.pem for $san"
fi

if missing client-ca; then
    make_ca client-ca "Appliance Client CA"
    rm -f "$out/client.pem"   # likewise for the client certificate
fi
if ! valid client-ca client; then
    cat >"$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
EXT
    issue client-ca client "Mail Security Appliance" "$days_client"
    echo "make-pki: issued $out/client.pem (client certificate of the appliance)"
fi

if [ "$changed" -eq 0 ]; then
    echo "make-pki: $out is up to date"
fi
