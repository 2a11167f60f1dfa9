-- One outbound message with its address headers, for the history tests.
-- Variables (miltertest -D name=value):
--   socket  unix:/path of the milter
--   from    the envelope sender and From address
--   rcpt    the envelope recipient
--   name    the display name the To header gives it ("" for none)
--   msgid   the Message-ID, with angle brackets
--   qid     the queue id
--   expect  "refuse" (550 at RCPT TO) or "continue"
local conn = mt.connect(socket, 40, 0.05)
if conn == nil then error("mt.connect() failed") end
if mt.conninfo(conn, "localhost", "127.0.0.1") ~= nil then error("mt.conninfo() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("connect: not continued") end

mt.macro(conn, SMFIC_MAIL, "i", qid)
if mt.mailfrom(conn, "<" .. from .. ">") ~= nil then error("mt.mailfrom() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("MAIL FROM: not continued") end

if mt.rcptto(conn, "<" .. rcpt .. ">") ~= nil then error("mt.rcptto() failed") end
local reply = mt.getreply(conn)
if expect == "refuse" then
  if reply ~= SMFIR_REPLYCODE then error(rcpt .. ": not refused") end
  mt.disconnect(conn)
  return
end
if reply ~= SMFIR_CONTINUE then error(rcpt .. ": not continued") end

-- Header replies are not expected when the milter negotiated none (SMFIP_NR_HDR);
-- miltertest then returns SMFIR_CONTINUE by itself.
local to = rcpt
if name ~= "" then to = "\"" .. name .. "\" <" .. rcpt .. ">" end
for _, header in ipairs({{"From", from}, {"To", to}, {"Message-ID", msgid},
                         {"Subject", "weekly report"}}) do
  if mt.header(conn, header[1], header[2]) ~= nil then error("mt.header() failed") end
  if mt.getreply(conn) ~= SMFIR_CONTINUE then error("header: not continued") end
end
if mt.eom(conn) ~= nil then error("mt.eom() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("end of message: not continued") end
mt.disconnect(conn)
