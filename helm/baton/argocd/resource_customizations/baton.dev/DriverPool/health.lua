-- Argo CD health of a Baton DriverPool. Keeps to Lua 5.1 builtins (Argo CD runs 5.1).
-- Healthy: the operator saw the latest spec, the pool is Available and its rollout complete.
-- Suspended: the rollout is paused. Degraded: a driver is failing, capacity is short, or a
-- rollout passed its deadline or was rolled back. Progressing: anything still under way.
local hs = {}

local function condition(status, type)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function says(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return fallback
end

local status = obj.status
if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local rollout = status.rollout
local complete = condition(status, "RolloutComplete")
local degraded = condition(status, "Degraded")
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = says(degraded, degraded.reason)
  return hs
end
if rollout ~= nil and rollout.phase == "Failed" then
  hs.status = "Degraded"
  hs.message = says(condition(status, "Progressing"), "Rollout to revision " .. tostring(rollout.revision) .. " failed")
  return hs
end
-- Rolled back and not yet back where the spec asks: once the spec returns to the stable
-- revision (the usual fix), RolloutComplete is True again and the pool is healthy.
if rollout ~= nil and rollout.phase == "RolledBack" and (complete == nil or complete.status ~= "True") then
  hs.status = "Degraded"
  hs.message = says(condition(status, "Progressing"), "Rollout to revision " .. tostring(rollout.revision) .. " rolled back")
  return hs
end
if rollout ~= nil and rollout.phase == "Paused" then
  hs.status = "Suspended"
  hs.message = "Rollout to revision " .. tostring(rollout.revision) .. " is paused (spec.upgrade.paused)"
  return hs
end

local available = condition(status, "Available")
if available ~= nil and available.status == "True" and complete ~= nil and complete.status == "True" then
  hs.status = "Healthy"
  hs.message = says(available, "Available")
  return hs
end

hs.status = "Progressing"
if available == nil or available.status ~= "True" then
  hs.message = says(available, "Waiting for drivers to become available")
else
  hs.message = says(condition(status, "Progressing"), "Waiting for the rollout to complete")
end
return hs
