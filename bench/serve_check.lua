-- wrk script for POST /api/v1/check with 10 recipients (bench/serve_load.sh).
-- The token comes from the environment: RCPTGUARD_TOKEN.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("RCPTGUARD_TOKEN")
wrk.body = '{"from": "bob@mod.uk", "subject": "OFFICIAL: weekly figures", "recipients": [' ..
  '"alice@army.mil", "carol@hmrc.gov.uk", "dan@mod.co.uk", "eve@nato.in", "frank@gmail.com", ' ..
  '"gina@hmrc.gv.uk", "harry@army.ml", "ivy@example.com", "jon@outlook.com", "kim@mod.uk"]}'

done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read +
                 summary.errors.write + summary.errors.timeout
  io.write(string.format("requests %d, errors %d\n", summary.requests, errors))
end
