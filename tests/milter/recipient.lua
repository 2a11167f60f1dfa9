-- One recipient from one client, with the answer we expect.
-- Variables (miltertest -D name=value):
--   socket  unix:/path of the milter
--   client  the client's IP address
--   auth    the SMTP AUTH user ("" for none)
--   rcpt    the envelope recipient
--   expect  "refuse" (550 at RCPT TO), "continue" (accepted at RCPT TO),
--           "untouched" (the message is accepted at MAIL FROM: not outbound)
--   hold    "yes" if the message must go to the hold queue at end of message
local conn = mt.connect(socket, 40, 0.05)
if conn == nil then error("mt.connect() failed") end
if mt.conninfo(conn, "client.example", client) ~= nil then error("mt.conninfo() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("connect: not continued") end

-- All macros of a stage go in one call: a second call replaces the first set.
if auth ~= nil and auth ~= "" then
  mt.macro(conn, SMFIC_MAIL, "i", "4FTESTQID", "{auth_authen}", auth)
else
  mt.macro(conn, SMFIC_MAIL, "i", "4FTESTQID")
end
if mt.mailfrom(conn, "<bob@mod.uk>") ~= nil then error("mt.mailfrom() failed") end
local reply = mt.getreply(conn)
if expect == "untouched" then
  if reply ~= SMFIR_ACCEPT then error("MAIL FROM: expected the message accepted untouched") end
  mt.disconnect(conn)
  return
end
if reply ~= SMFIR_CONTINUE then error("MAIL FROM: not continued") end

if mt.rcptto(conn, "<" .. rcpt .. ">") ~= nil then error("mt.rcptto() failed") end
reply = mt.getreply(conn)
if expect == "refuse" and reply ~= SMFIR_REPLYCODE then error(rcpt .. ": not refused") end
if expect == "continue" and reply ~= SMFIR_CONTINUE then error(rcpt .. ": not continued") end
if expect == "refuse" then
  mt.disconnect(conn)
  return
end

if mt.eom(conn) ~= nil then error("mt.eom() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("end of message: not continued") end
local held = mt.eom_check(conn, MT_QUARANTINE)
if hold == "yes" and not held then error("not held") end
if hold ~= "yes" and held then error("held") end
if not mt.eom_check(conn, MT_HDRADD, "X-Rcptguard") then error("no X-Rcptguard header") end
mt.disconnect(conn)
