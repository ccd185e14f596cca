-- Argo CD health of a Baton ClientSession. Keeps to Lua 5.1 builtins (Argo CD runs 5.1).
-- Healthy: Bound to a driver. Progressing: Pending or Migrating (calls wait through a move).
-- Degraded: Failed. Suspended: Closed (idle timeout): the resource stays, its session is gone.
local hs = {}

local function message(status, fallback)
  if status.conditions ~= nil then
    for _, c in ipairs(status.conditions) do
      if c.type == "Ready" and c.message ~= nil and c.message ~= "" then
        return c.message
      end
    end
  end
  return fallback
end

local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to place the session"
  return hs
end

local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

if status.phase == "Bound" then
  hs.status = "Healthy"
  hs.message = message(status, "Bound to driver " .. tostring(status.driverPod))
elseif status.phase == "Failed" then
  hs.status = "Degraded"
  hs.message = message(status, "Failed")
elseif status.phase == "Closed" then
  hs.status = "Suspended"
  hs.message = message(status, "Closed")
else
  hs.status = "Progressing"
  hs.message = message(status, status.phase)
end
return hs
