#!/usr/bin/env bash
# Regenerates logins.pcap (root needed, ~20 s): real clients against the refusing login servers of
# lib/login_servers.py and a real sshd, all on UNUSUAL ports, so the app layer must recognise each
# protocol by content. Two namespaces joined by a veth pair (server 10.133.0.1, client 10.133.0.66);
# names carry this shell's pid; every client is bounded by time.
#
#   FTP :2121 (curl, 2 attempts)   SMTP :2525 (curl AUTH PLAIN)   POP3 :1110 (curl)   IMAP :1143 (curl)
#   Telnet :2323 (curl telnet://, user and password on stdin)   SSH :2222 (sshd; ssh with a refused password)
#   RDP :3389 (nmap's rdp-enum-encryption probe: X.224 connection requests; the script runs on 3389 only)   HTTP :8081 (curl GET)
set -euo pipefail
cd "$(dirname "$0")"
OUT=$(pwd)
source ../fixtures/lib/common.sh
TMPD=$(mktemp -d)
chmod 755 "$TMPD"
trap cleanup_all EXIT
SRV=ids13ls-$$
CLI=ids13lc-$$
ns_new "$SRV"
ns_new "$CLI"
veth "$SRV" eth0 "$CLI" eth0
ip -n "$SRV" addr add 10.133.0.1/24 dev eth0
ip -n "$CLI" addr add 10.133.0.66/24 dev eth0
S=10.133.0.1

spawn logins "$SRV" "$PY" lib/login_servers.py 0.0.0.0 2121 2525 1110 1143 2323 3389
spawn http "$SRV" "$PY" -m http.server --bind 0.0.0.0 8081 --directory lib
ssh-keygen -q -t ed25519 -N "" -f "$TMPD/hostkey"
cat >"$TMPD/sshd_config" <<CFG
Port 2222
ListenAddress $S
HostKey $TMPD/hostkey
PidFile $TMPD/sshd.pid
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
MaxAuthTries 3
CFG
mkdir -p /run/sshd
spawn sshd "$SRV" /usr/sbin/sshd -D -e -f "$TMPD/sshd_config"
for p in 2121 2525 1110 1143 2323 3389 8081 2222; do wait_port "$CLI" $S $p; done

cap_start logins "$SRV" -i eth0 -s 0 -w "$TMPD/logins.pcap"
cap=$CAPPID
c() { nsx "$CLI" timeout 10 "$@" >/dev/null 2>&1 || true; }
c curl -s "ftp://admin:123456@$S:2121/"
c curl -s "ftp://admin:letmein@$S:2121/"
c curl -s --url "smtp://$S:2525" --mail-from a@ids-lab --mail-rcpt b@ids-lab -u bob:secret --login-options AUTH=PLAIN -T /dev/null
c curl -s "pop3://amy:pw1@$S:1110/"
c curl -s "imap://joe:pw2@$S:1143/INBOX"
printf 'root\r\ntoor\r\n' | nsx "$CLI" timeout 4 curl -s "telnet://$S:2323" >/dev/null 2>&1 || true
c sshpass -p wrong ssh -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no \
  -o NumberOfPasswordPrompts=1 eve@$S true
c nmap -n -Pn -p 3389 --script rdp-enum-encryption $S
c curl -s "http://$S:8081/?id=1"
cap_stop "$cap"
cp "$TMPD/logins.pcap" "$OUT/logins.pcap"
log "logins: $(tcpdump -r "$OUT/logins.pcap" 2>/dev/null | wc -l) packets"
