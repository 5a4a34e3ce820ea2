-- wrk script of infra/bench/events.sh: POST /v1/events beacons of BATCH
-- events each (an exposure, then product views), every event id new
-- (RUN, the thread and a counter), a German shopper with TCF consent, so
-- the edge accepts and forwards each one. Counts answers other than 202.
local batch = tonumber(os.getenv("BATCH") or "10")
local run = os.getenv("RUN") or "r"
local tc = os.getenv("TC_STRING")
local threads = {}
local next_tid = 0

function setup(thread)
    thread:set("tid", next_tid)
    next_tid = next_tid + 1
    table.insert(threads, thread)
end

function init(args)
    counter = 0
    refused = 0
    sample = nil
    wrk.method = "POST"
    wrk.headers["content-type"] = "text/plain;charset=UTF-8"
    wrk.headers["cf-ipcountry"] = "DE"
    wrk.headers["x-tcf-consent"] = tc
end

function request()
    local now_ms = os.time() * 1000
    local events = {}
    for i = 1, batch do
        counter = counter + 1
        -- 16 to 32 of [A-Za-z0-9_-]: the edge's id rule.
        local id = string.format("%s-%d-%012d", run, tid, counter)
        if i == 1 then
            events[i] = string.format(
                '{"id":"%s","kind":"exposure","at":%d,"page":"/","experiment":"hero-preset","variant":"square"}',
                id, now_ms)
        else
            events[i] = string.format(
                '{"id":"%s","kind":"view","at":%d,"page":"/p/scarf","sku":"MRD-SILK-SCARF"}', id, now_ms)
        end
    end
    local body = '{"schema":"meridian.events/1","events":[' .. table.concat(events, ",") .. ']}'
    return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
    if status ~= 202 then
        refused = refused + 1
        if sample == nil then sample = status .. " " .. body end
    end
end

function done(summary, latency, requests)
    local n = 0
    for _, t in ipairs(threads) do
        n = n + t:get("refused")
        local s = t:get("sample")
        if s ~= nil then io.write("first refusal: ", s, "\n") end
    end
    io.write(string.format("not 202: %d\n", n))
end
