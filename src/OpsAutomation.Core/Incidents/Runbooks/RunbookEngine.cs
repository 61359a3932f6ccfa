using System.Globalization;
using System.Text.RegularExpressions;
using k8s;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Incidents.Runbooks.Actions;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;
using OpsAutomation.Models;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Runbooks;

/// <summary>What one invocation of the runbook engine is asked to do.</summary>
public sealed record RunbookRunOptions
{
    /// <summary>The run id (timeline entries and the action history carry it). Required.</summary>
    public required string RunId { get; init; }

    /// <summary>Runbook names or wildcards to choose among; empty for every runbook of the file.</summary>
    public IReadOnlyList<string> Runbooks { get; init; } = [];

    /// <summary>Preview only: no change, no timeline entry, no action counted; each step says what it would do.</summary>
    public bool WhatIf { get; init; }

    /// <summary>Asked before every change with the target and the action (the cmdlet's ShouldProcess); false leaves the step Refused. Null: yes.</summary>
    public Func<string, string, Task<bool>>? Confirm { get; init; }

    /// <summary>
    /// Asked before a high-impact action (the cmdlet: yes with -Approve, a person's answer in an
    /// interactive session); null refuses every high-impact action, as a non-interactive run without approval must.
    /// </summary>
    public Func<string, string, Task<bool>>? Approve { get; init; }

    /// <summary>The service catalog a Verify without Uri or Catalog checks the incident's service in; null when none was given.</summary>
    public string? CatalogPath { get; init; }

    /// <summary>The namespace of a Kubernetes action that names none, and the ${Namespace} placeholder. Default: default.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Told what the engine is doing, for the verbose stream.</summary>
    public Action<string>? Verbose { get; init; }

    /// <summary>Told of each step as it ends (progress).</summary>
    public Action<RunbookStepResult>? StepEnded { get; init; }
}

/// <summary>The services the engine runs actions and verifications with.</summary>
public sealed class RunbookServices
{
    /// <summary>The incident store (read, timeline). Required.</summary>
    public required IIncidentTimeline Incidents { get; init; }

    /// <summary>The persisted action history rate limits count. Required.</summary>
    public required RunbookActionStore Actions { get; init; }

    /// <summary>The Kubernetes client, built when a step first needs it; when null, the client of <see cref="Clients"/> for <see cref="Target"/>.</summary>
    public Func<IKubernetes>? Kubernetes { get; init; }

    /// <summary>The module's client cache (with <see cref="Target"/>) when <see cref="Kubernetes"/> is not given.</summary>
    public KubernetesClients? Clients { get; init; }

    /// <summary>The cluster to use with <see cref="Clients"/>.</summary>
    public KubernetesTarget? Target { get; init; }

    /// <summary>The client a step uses; a kubeconfig that cannot be used throws then (that step fails, the others go on).</summary>
    internal IKubernetes Client() =>
        Kubernetes is { } given ? given()
        : Clients is { } clients && Target is { } target ? clients.Get(target)
        : throw new KubernetesConfigurationException("No Kubernetes cluster was given to the runbook engine.");

    /// <summary>The kubeconfig context, for deployment records.</summary>
    public string? KubernetesContext { get; init; }

    /// <summary>The shared HTTP client (webhooks).</summary>
    public required HttpClient Http { get; init; }

    /// <summary>Resolves secret references.</summary>
    public SecretResolver Secrets { get; init; } = new();

    /// <summary>Redacts secrets from every message.</summary>
    public SecretRedactor Redactor { get; init; } = new();

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where rollbacks are recorded; null for none.</summary>
    public DeploymentRecordStore? DeploymentRecords { get; init; }

    /// <summary>Runs a verification gate (the health gate runner of the deployment validator). Required for runbooks with Verify.</summary>
    public Func<HealthGate, CancellationToken, Task<GateResult>>? RunGate { get; init; }

    /// <summary>Binds a health gate section (the validation spec reader's ReadHealthGate): a Verify that checks the run's catalog.</summary>
    public Func<ConfigurationMap, HealthGate>? BindGate { get; init; }

    /// <summary>How .ps1 scripts run: the PowerShell executable and its leading arguments.</summary>
    public IReadOnlyList<string> PowerShell { get; init; } = ["pwsh"];
}

/// <summary>
/// Runs a runbook for an incident: picks the first runbook of the file that matches it, runs its
/// steps in order (condition, approval for high-impact actions, the rate limit across runs,
/// confirmation, the action), writes every step to the incident's timeline as it ends, verifies
/// with the health engine, and marks a failed or unverified remediation for escalation. Under
/// WhatIf nothing changes anywhere: no action, no timeline entry, no count.
/// </summary>
public sealed class RunbookEngine(RunbookServices services)
{
    /// <summary>The first runbook of <paramref name="file"/> (among those <paramref name="names"/> selects) that matches <paramref name="incident"/>; null when none does.</summary>
    public static Runbook? Select(RunbookFile file, Incident incident, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(file);
        return file.Runbooks.FirstOrDefault(r => (names.Count == 0 || names.Any(n => Wildcard(n, r.Name))) && Matches(r.Match, incident));
    }

    /// <summary>Whether <paramref name="incident"/> is one <paramref name="match"/> is for.</summary>
    public static bool Matches(RunbookMatch match, Incident incident)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentNullException.ThrowIfNull(incident);
        if (match.Services.Count > 0 && !match.Services.Any(s => Wildcard(s, incident.Service))) return false;
        if (match.Severity is { } severity && incident.Severity < severity) return false;
        if (match.SignalKinds.Count > 0 && !incident.Signals.Any(s => match.SignalKinds.Contains(s.Kind))) return false;
        if (match.Fingerprints.Count > 0 && !match.Fingerprints.Any(f => Wildcard(f, incident.Fingerprint) || incident.Signals.Any(s => Wildcard(f, s.Fingerprint))))
            return false;
        return true;
    }

    /// <summary>
    /// Runs the runbook of <paramref name="file"/> that matches the incident <paramref name="incidentId"/>;
    /// null when the incident is resolved or no runbook matches it (the verbose callback says which).
    /// </summary>
    /// <exception cref="IncidentNotFoundException">There is no such incident.</exception>
    public async Task<RunbookRun?> RunAsync(RunbookFile file, string incidentId, RunbookRunOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(options);
        var incident = await services.Incidents.GetAsync(incidentId, cancellationToken).ConfigureAwait(false)
            ?? throw new IncidentNotFoundException(incidentId, (services.Incidents as StoredIncidents)?.Path);
        if (!incident.IsOpen)
        {
            options.Verbose?.Invoke($"incident {incident.Id} is resolved; no runbook runs for it");
            return null;
        }
        var runbook = Select(file, incident, options.Runbooks);
        if (runbook is null)
        {
            options.Verbose?.Invoke($"incident {incident.Id} ({incident.Service}, {incident.Severity}, {incident.Fingerprint}): no runbook of {file.Path} matches it");
            return null;
        }
        return await RunAsync(runbook, incident, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="runbook"/> for <paramref name="incident"/>, whether or not it matches.</summary>
    /// <exception cref="ConfigurationException">Its Verify needs a catalog and none was given; nothing was done.</exception>
    public async Task<RunbookRun> RunAsync(Runbook runbook, Incident incident, RunbookRunOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runbook);
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(options);
        var time = services.Time;
        var started = time.GetTimestamp();
        // A verification that cannot be made is known before any step changes anything.
        var gate = runbook.Verify ?? (runbook.VerifySection is { } section ? CatalogGate(runbook, section, incident, options) : null);
        if (gate is not null && services.RunGate is null) throw new InvalidOperationException("The runbook has a Verify step but the engine has no gate runner.");

        options.Verbose?.Invoke($"incident {incident.Id}: runbook '{runbook.Name}' ({runbook.Steps.Count} steps){(options.WhatIf ? ", what if" : "")}");
        var results = new List<RunbookStepResult>();
        string? stoppedBy = null;
        foreach (var step in runbook.Steps)
        {
            var result = stoppedBy is null
                ? await RunStepAsync(runbook, step, incident, results, options, cancellationToken).ConfigureAwait(false)
                : Result(step, step.Action.Name, "", RunbookStepOutcome.Skipped, $"not run: step '{stoppedBy}' failed", false, TimeSpan.Zero);
            results.Add(result);
            options.StepEnded?.Invoke(result);
            if (!options.WhatIf) await AppendAsync(incident.Id, StepEntry(runbook, result, options.RunId), cancellationToken).ConfigureAwait(false);
            if (stoppedBy is null && result.Outcome == RunbookStepOutcome.Failed && !step.ContinueOnError) stoppedBy = step.Name;
        }

        bool? verified = null;
        string? verification = null;
        if (gate is null)
        {
            verification = "no Verify step";
        }
        else if (options.WhatIf)
        {
            verification = $"would verify: {Describe(gate)}";
        }
        else if (stoppedBy is not null)
        {
            verification = $"not verified: step '{stoppedBy}' failed";
        }
        else
        {
            options.Verbose?.Invoke($"incident {incident.Id}: verifying ({Describe(gate)})");
            var outcome = await services.RunGate!(gate, cancellationToken).ConfigureAwait(false);
            verified = outcome.Outcome == GateOutcome.Passed;
            verification = services.Redactor.Redact(outcome.Reason);
            await AppendAsync(incident.Id, new IncidentTimelineEntry
            {
                Timestamp = time.GetUtcNow(), Kind = IncidentEventKind.Verification, Actor = Actor(runbook),
                Message = $"runbook '{runbook.Name}': {(verified == true ? "verified healthy" : "not verified")}: {verification}",
                Details = new Dictionary<string, string>
                {
                    ["runbook"] = runbook.Name, ["gate"] = gate.Name, [RunbookTimeline.Outcome] = outcome.Outcome.ToString(), [RunbookTimeline.Verified] = verified == true ? "true" : "false",
                    ["passedRounds"] = outcome.Passed.ToString(CultureInfo.InvariantCulture), ["failedRounds"] = outcome.Failed.ToString(CultureInfo.InvariantCulture),
                    ["runId"] = options.RunId,
                },
            }, cancellationToken).ConfigureAwait(false);
        }

        var escalation = options.WhatIf ? null : EscalationReason(results, verified, stoppedBy);
        if (escalation is not null)
        {
            await AppendAsync(incident.Id, new IncidentTimelineEntry
            {
                Timestamp = time.GetUtcNow(), Kind = verified == false ? IncidentEventKind.Verification : IncidentEventKind.Action, Actor = Actor(runbook),
                Message = $"runbook '{runbook.Name}': {escalation}; escalate",
                Details = new Dictionary<string, string> { ["runbook"] = runbook.Name, [RunbookTimeline.Escalate] = "true", ["reason"] = escalation, ["runId"] = options.RunId },
            }, cancellationToken).ConfigureAwait(false);
        }

        return new RunbookRun
        {
            IncidentId = incident.Id, Runbook = runbook.Name, Service = incident.Service, Steps = results, Verified = verified, Verification = verification,
            NeedsEscalation = escalation is not null, WhatIf = options.WhatIf, RunId = options.RunId, Duration = time.GetElapsedTime(started), Timestamp = time.GetUtcNow(),
        };
    }

    /// <summary>Why the remediation needs a person, or null when it does not: a step failed, the verification failed, or nothing was done and nothing verified.</summary>
    private static string? EscalationReason(IReadOnlyList<RunbookStepResult> results, bool? verified, string? stoppedBy)
    {
        if (stoppedBy is not null) return $"step '{stoppedBy}' failed and stopped the runbook";
        if (results.FirstOrDefault(r => r.Outcome == RunbookStepOutcome.Failed) is { } failed) return $"step '{failed.Step}' failed";
        if (verified == false) return "the verification failed";
        if (verified is null && !results.Any(r => r.Outcome == RunbookStepOutcome.Succeeded))
        {
            var held = results.Where(r => r.Outcome is RunbookStepOutcome.Refused or RunbookStepOutcome.RateLimited).Select(r => $"{r.Step} {r.Outcome}").ToList();
            return held.Count > 0 ? $"no step ran ({string.Join(", ", held)}) and nothing verified the service" : null;
        }
        return null;
    }

    private async Task<RunbookStepResult> RunStepAsync(Runbook runbook, RunbookStep step, Incident incident, IReadOnlyList<RunbookStepResult> earlier,
        RunbookRunOptions options, CancellationToken cancellationToken)
    {
        var action = step.Action.Name;
        if (step.Condition is { } condition)
        {
            using var context = RunbookCondition.Context(incident, earlier);
            if (condition.Evaluate(context.RootElement) is { } reason)
                return Result(step, action, "", RunbookStepOutcome.Skipped, $"condition does not hold: {reason}", false, TimeSpan.Zero);
        }

        RunbookActionPlan plan;
        try
        {
            plan = step.Action.Bind(step.Arguments, Binding(runbook, incident, options));
        }
        catch (ConfigurationException ex)
        {
            return Result(step, action, "", RunbookStepOutcome.Failed, services.Redactor.Redact(ex.Message), false, TimeSpan.Zero);
        }
        var target = plan.Target;
        var what = $"{action}: {plan.Description}";
        var key = $"{action}|{target}";
        var limit = step.RateLimit;
        var now = services.Time.GetUtcNow();

        if (options.WhatIf)
        {
            if (options.Confirm is { } preview) await preview(target, what).ConfigureAwait(false);
            var window = await services.Actions.PeekAsync(key, limit.Count, limit.Window, now, cancellationToken).ConfigureAwait(false);
            var notes = new List<string>();
            if (plan.HighImpact && options.Approve is null) notes.Add("high-impact: a non-interactive run refuses it without -Approve");
            if (!window.Allowed) notes.Add($"rate-limited now: {LimitText(window, limit)}");
            return Result(step, action, target, RunbookStepOutcome.WhatIf, $"would {plan.Description}{(notes.Count > 0 ? $" ({string.Join("; ", notes)})" : "")}", plan.HighImpact, TimeSpan.Zero);
        }

        if (plan.HighImpact)
        {
            if (options.Approve is not { } approve)
                return Result(step, action, target, RunbookStepOutcome.Refused,
                    $"not run: {action} is high-impact and this run is not interactive; give -Approve to allow it ({plan.Description})", true, TimeSpan.Zero);
            if (!await approve(target, what).ConfigureAwait(false))
                return Result(step, action, target, RunbookStepOutcome.Refused, $"not run: not approved ({plan.Description})", true, TimeSpan.Zero);
        }

        var peek = await services.Actions.PeekAsync(key, limit.Count, limit.Window, now, cancellationToken).ConfigureAwait(false);
        if (!peek.Allowed) return Result(step, action, target, RunbookStepOutcome.RateLimited, $"not run: {LimitText(peek, limit)}", plan.HighImpact, TimeSpan.Zero);
        if (options.Confirm is { } confirm && !await confirm(target, what).ConfigureAwait(false))
            return Result(step, action, target, RunbookStepOutcome.Refused, $"not run: not confirmed ({plan.Description})", plan.HighImpact, TimeSpan.Zero);
        var claim = await services.Actions.TryClaimAsync(key, limit.Count, limit.Window, services.Time.GetUtcNow(), incident.Id, runbook.Name, options.RunId, cancellationToken)
            .ConfigureAwait(false);
        if (!claim.Allowed) return Result(step, action, target, RunbookStepOutcome.RateLimited, $"not run: {LimitText(claim, limit)}", plan.HighImpact, TimeSpan.Zero);

        options.Verbose?.Invoke($"incident {incident.Id}: step '{step.Name}': {what} on {target}");
        var started = services.Time.GetTimestamp();
        try
        {
            var message = await plan.ExecuteAsync(new RunbookActionContext
            {
                Kubernetes = services.Client, KubernetesContext = services.KubernetesContext, Http = services.Http, Secrets = services.Secrets,
                Redactor = services.Redactor, Time = services.Time, Incident = incident, Runbook = runbook.Name, Step = step.Name, RunId = options.RunId,
                DeploymentRecords = services.DeploymentRecords, PowerShell = services.PowerShell,
            }, cancellationToken).ConfigureAwait(false);
            return Result(step, action, target, RunbookStepOutcome.Succeeded, services.Redactor.Redact(message), plan.HighImpact, services.Time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // What it did so far stays on the timeline: the step is written as failed before the run stops.
            var stopped = Result(step, action, target, RunbookStepOutcome.Failed, "stopped (cancelled) while running", plan.HighImpact, services.Time.GetElapsedTime(started));
            await AppendAsync(incident.Id, StepEntry(runbook, stopped, options.RunId), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Result(step, action, target, RunbookStepOutcome.Failed, services.Redactor.Redact(ex.Message), plan.HighImpact, services.Time.GetElapsedTime(started));
        }
    }

    private static RunbookBinding Binding(Runbook runbook, Incident incident, RunbookRunOptions options) =>
        new(Path.GetDirectoryName(runbook.Origin) ?? Environment.CurrentDirectory, options.Namespace, name => name.ToUpperInvariant() switch
        {
            "INCIDENTID" => incident.Id,
            "SERVICE" => incident.Service,
            "SEVERITY" => incident.Severity.ToString(),
            "FINGERPRINT" => incident.Fingerprint,
            "NAMESPACE" => options.Namespace,
            _ => null,
        });

    /// <summary>The Verify of a runbook that names no checks: the incident's service (or the section's Services) in the run's catalog.</summary>
    private HealthGate CatalogGate(Runbook runbook, ConfigurationMap section, Incident incident, RunbookRunOptions options)
    {
        if (options.CatalogPath is null)
            throw new ConfigurationException($"runbook '{runbook.Name}': Verify names no Uri or Catalog, so it checks the incident's service in the service catalog: give -CatalogPath",
                section.Origin, section.Path);
        if (services.BindGate is null) throw new InvalidOperationException("The runbook's Verify needs a gate binder.");
        var values = ConfigurationTree.NewMap();
        foreach (var key in section.Keys) values[key] = section.GetValue(key);
        values["Catalog"] = options.CatalogPath;
        // An incident of a KubernetesWorkload check's result (<service>/<kind>/<workload>) verifies the catalog's service.
        if (!section.Contains("Services")) values["Services"] = Health.Kubernetes.WorkloadResultName.TryParse(incident.Service, out var service, out _, out _) ? service : incident.Service;
        if (!section.Contains("Name")) values["Name"] = "verify";
        return services.BindGate(new ConfigurationMap(values, section.Origin, section.Path));
    }

    private static string Describe(HealthGate gate) =>
        $"{string.Join(", ", gate.Checks.Select(c => c.Name))} healthy {gate.SuccessCount} times in a row, every {DurationText.Format(gate.Interval)}, within {DurationText.Format(gate.Window)}";

    private static string LimitText(RateLimitDecision decision, RunbookRateLimit limit) =>
        $"ran {decision.Count} times in the last {DurationText.Format(limit.Window)} (limit {limit.Count})" +
        (decision.NextAllowedAt is { } next ? $"; next allowed at {next.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}" : "");

    private RunbookStepResult Result(RunbookStep step, string action, string target, RunbookStepOutcome outcome, string message, bool highImpact, TimeSpan duration) => new()
    {
        Step = step.Name, Action = action, Target = target, Outcome = outcome, Message = message, HighImpact = highImpact, Duration = duration, Timestamp = services.Time.GetUtcNow(),
    };

    private static IncidentTimelineEntry StepEntry(Runbook runbook, RunbookStepResult result, string runId) => new()
    {
        Timestamp = result.Timestamp,
        Kind = IncidentEventKind.Action,
        Actor = Actor(runbook),
        Message = $"runbook '{runbook.Name}' step '{result.Step}': {result.Action} {result.Outcome}{(result.Target.Length > 0 ? $" on {result.Target}" : "")}: {result.Message}",
        Details = new Dictionary<string, string>
        {
            ["runbook"] = runbook.Name, ["step"] = result.Step, ["action"] = result.Action, ["target"] = result.Target, [RunbookTimeline.Outcome] = result.Outcome.ToString(),
            ["message"] = result.Message, ["durationMs"] = ((long)result.Duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ["highImpact"] = result.HighImpact ? "true" : "false", ["runId"] = runId,
        },
    };

    private Task<Incident> AppendAsync(string id, IncidentTimelineEntry entry, CancellationToken cancellationToken) => services.Incidents.AppendAsync(id, entry, cancellationToken);

    private static string Actor(Runbook runbook) => $"runbook:{runbook.Name}";

    private static bool Wildcard(string pattern, string value) =>
        Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
