-- An outbound message (local client) to a look-alike of a trusted domain:
-- that recipient is refused at RCPT TO with 550 5.7.1 and a suggestion, the
-- other recipient goes through, and the message gets an X-Rcptguard header.
-- Run by milter_test.cc: miltertest -D socket=unix:/path -s reject_lookalike.lua
local conn = mt.connect(socket, 40, 0.05)
if conn == nil then error("mt.connect() failed") end

mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", "smtpd")
if mt.conninfo(conn, "localhost", "127.0.0.1") ~= nil then error("mt.conninfo() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("connect: not continued") end

mt.macro(conn, SMFIC_MAIL, "i", "4FQUEUEID1")
if mt.mailfrom(conn, "<bob@mod.uk>") ~= nil then error("mt.mailfrom() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("MAIL FROM: not continued") end

if mt.rcptto(conn, "<alice@army.ml>") ~= nil then error("mt.rcptto() failed") end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("RCPT TO army.ml: not refused") end

if mt.rcptto(conn, "<carol@army.mil>") ~= nil then error("mt.rcptto() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("RCPT TO army.mil: not continued") end

if mt.eom(conn) ~= nil then error("mt.eom() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("end of message: not continued") end
if not mt.eom_check(conn, MT_HDRADD, "X-Rcptguard") then error("no X-Rcptguard header") end
if mt.eom_check(conn, MT_QUARANTINE) then error("held, but nothing called for a hold") end

mt.disconnect(conn)
