using System.Globalization;
using k8s;
using k8s.Models;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Strategies;

/// <summary>A blue-green deployment of <see cref="Desired"/> behind <see cref="Service"/> (both as the manifests give them).</summary>
public sealed record BlueGreenPlan
{
    public required V1Deployment Desired { get; init; }

    /// <summary>The active Service: it selects the live color; a preview Service (<c>name-preview</c>) selects the other.</summary>
    public required V1Service Service { get; init; }

    /// <summary>How long the old color keeps its pods after the switch, for a fast switch back by hand.</summary>
    public TimeSpan ScaleDownDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for a Service's URL to be published (the sandbox's port, a load balancer's address).</summary>
    public TimeSpan UrlTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Blue-green with no controller in the cluster: two Deployments (<c>name-blue</c>, <c>name-green</c>)
/// and two Services, the active one (the manifests' Service, narrowed to one color) and a preview.
/// The new version goes to the idle color and is validated through the preview Service; then the
/// active Service's selector is switched, the live traffic validated, and on failure switched back.
/// The old color keeps its pods for the scale-down delay. Every move is idempotent and the state is
/// the cluster's (which color the Service selects, what each color runs, the switch time on the
/// Service), so a run killed half-way is finished by the next one.
/// </summary>
public sealed class BlueGreenRollout
{
    /// <summary>On the active Service: when it was switched (ISO 8601), so a later run knows when the old color may go.</summary>
    public const string SwitchedAtAnnotation = "deploy.opsautomation/switched-at";

    private readonly StrategyContext _context;
    private readonly List<StrategyStepResult> _steps = [];

    public BlueGreenRollout(StrategyContext context) => _context = context;

    public async Task<StrategyRunResult> RunAsync(BlueGreenPlan plan, CancellationToken cancellationToken)
    {
        var ns = _context.Namespace;
        var name = plan.Desired.Name();
        var live = await ClusterObjects.GetServiceAsync(_context.Client, ns, plan.Service.Name(), cancellationToken).ConfigureAwait(false);
        var active = live is null ? null : StrategyObjects.SelectedColor(live);
        var idle = active is null ? StrategyObjects.Blue : StrategyObjects.OtherColor(active);

        if (active is not null && await RunsAlreadyAsync(StrategyObjects.Colored(plan.Desired, active), cancellationToken).ConfigureAwait(false))
        {
            // A run stopped after its switch left the old color up: its delay is honoured from the recorded switch time.
            await ScaleDownAsync(plan, idle, SwitchedAt(live!), cancellationToken).ConfigureAwait(false);
            return Finish(StrategyOutcome.Unchanged, $"{StrategyObjects.ColoredName(name, active)} already runs this version and takes the traffic of {plan.Service.Name()}");
        }

        // 1. The new version on the idle color, at full size, taking no traffic yet.
        var started = _context.Time.GetUtcNow();
        var idleName = StrategyObjects.ColoredName(name, idle);
        Confirm($"apply Deployment {ns}/{idleName} with {CanaryRollout.Images(plan.Desired)} ({plan.Desired.Spec.Replicas ?? 1} pods)");
        await ClusterObjects.ApplyAsync(_context.Client, StrategyObjects.Colored(plan.Desired, idle), _context.FieldManager, cancellationToken).ConfigureAwait(false);
        try
        {
            await _context.WaitForRolloutAsync(idleName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not StrategyDeclinedException)
        {
            Record("Deploy", $"{idleName} did not roll out: {ex.Message}", false, started);
            return await AbortAsync(idleName, $"{idleName} did not roll out: {ex.Message}", cancellationToken).ConfigureAwait(false);
        }
        Record("Deploy", $"{idleName} runs {CanaryRollout.Images(plan.Desired)}", true, started);

        // 2. Validation through the preview Service.
        started = _context.Time.GetUtcNow();
        var preview = StrategyObjects.Preview(plan.Service, idle);
        Confirm($"point Service {ns}/{preview.Name()} at {idle}");
        await ClusterObjects.ApplyAsync(_context.Client, preview, _context.FieldManager, cancellationToken).ConfigureAwait(false);
        var previewUrl = await UrlAsync(preview.Name(), plan.UrlTimeout, cancellationToken).ConfigureAwait(false);
        var verdict = await _context.AnalyzeAsync(new AnalysisRequest($"preview ({idle})", previewUrl, idleName), cancellationToken).ConfigureAwait(false);
        Record("Preview", verdict.Reason, verdict.Passed, started);
        if (!verdict.Passed) return await AbortAsync(idleName, $"the preview of {idle} failed its analysis: {verdict.Reason}", cancellationToken).ConfigureAwait(false);

        // 3. The switch, then the live traffic validated; a failure switches back.
        started = _context.Time.GetUtcNow();
        Confirm($"switch Service {ns}/{plan.Service.Name()} from {active ?? "its current pods"} to {idle}");
        await SwitchAsync(plan.Service, idle, cancellationToken).ConfigureAwait(false);
        Record("Switch", $"{plan.Service.Name()} selects {idle}", true, started);

        started = _context.Time.GetUtcNow();
        var activeUrl = await UrlAsync(plan.Service.Name(), plan.UrlTimeout, cancellationToken).ConfigureAwait(false);
        verdict = await _context.AnalyzeAsync(new AnalysisRequest($"active ({idle})", activeUrl, idleName), cancellationToken).ConfigureAwait(false);
        Record("Analysis", verdict.Reason, verdict.Passed, started);
        if (!verdict.Passed)
        {
            if (active is null)
            {
                return Finish(StrategyOutcome.Aborted,
                    $"the switch to {idle} failed its analysis ({verdict.Reason}) and there is no previous color to switch back to; {idleName} keeps the traffic");
            }
            started = _context.Time.GetUtcNow();
            Confirm($"switch Service {ns}/{plan.Service.Name()} back to {active}");
            await SwitchAsync(plan.Service, active, cancellationToken).ConfigureAwait(false);
            Record("SwitchBack", $"{plan.Service.Name()} selects {active} again", true, started);
            await ScaleToZeroAsync(idleName, cancellationToken).ConfigureAwait(false);
            return Finish(StrategyOutcome.SwitchedBack, $"the switch to {idle} failed its analysis: {verdict.Reason}");
        }

        await ScaleDownAsync(plan, active ?? StrategyObjects.OtherColor(idle), _context.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return Finish(StrategyOutcome.Promoted, $"{idle} takes the traffic of {plan.Service.Name()}");
    }

    private async Task SwitchAsync(V1Service manifest, string color, CancellationToken cancellationToken)
    {
        var service = StrategyObjects.Active(manifest, color);
        service.Metadata.Annotations ??= new Dictionary<string, string>();
        service.Metadata.Annotations[SwitchedAtAnnotation] = _context.Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        await ClusterObjects.ApplyAsync(_context.Client, service, _context.FieldManager, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After the delay from <paramref name="switchedAt"/>, the old color (and a Deployment from before blue-green, of the plain name) goes to 0 pods.</summary>
    private async Task ScaleDownAsync(BlueGreenPlan plan, string oldColor, DateTimeOffset switchedAt, CancellationToken cancellationToken)
    {
        var old = new[] { StrategyObjects.ColoredName(plan.Desired.Name(), oldColor), plan.Desired.Name() };
        var running = new List<string>();
        foreach (var name in old)
        {
            var deployment = await ClusterObjects.GetDeploymentAsync(_context.Client, _context.Namespace, name, cancellationToken).ConfigureAwait(false);
            if (deployment?.Spec?.Replicas > 0) running.Add(name);
        }
        if (running.Count == 0) return;

        var started = _context.Time.GetUtcNow();
        var remaining = switchedAt + plan.ScaleDownDelay - started;
        if (remaining > TimeSpan.Zero) await Task.Delay(remaining, _context.Time, cancellationToken).ConfigureAwait(false);
        foreach (var name in running) await ScaleToZeroAsync(name, cancellationToken).ConfigureAwait(false);
        Record("ScaleDown", $"{string.Join(" and ", running)} scaled to 0 pods after the {Models.DurationText.Format(plan.ScaleDownDelay)} delay", true, started);
    }

    private async Task<StrategyRunResult> AbortAsync(string idleName, string reason, CancellationToken cancellationToken)
    {
        var started = _context.Time.GetUtcNow();
        await ScaleToZeroAsync(idleName, cancellationToken).ConfigureAwait(false);
        Record("Abort", $"{idleName} scaled to 0 pods; the active Service was not switched", true, started);
        return Finish(StrategyOutcome.Aborted, reason);
    }

    private async Task ScaleToZeroAsync(string name, CancellationToken cancellationToken)
    {
        Confirm($"scale {_context.Namespace}/{name} to 0 pods");
        await ClusterObjects.ScaleAsync(_context.Client, _context.Namespace, name, 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the colored Deployment exists and applying it would change nothing (a server-side dry run keeps the generation).</summary>
    private async Task<bool> RunsAlreadyAsync(V1Deployment colored, CancellationToken cancellationToken)
    {
        var live = await ClusterObjects.GetDeploymentAsync(_context.Client, _context.Namespace, colored.Name(), cancellationToken).ConfigureAwait(false);
        return live is not null && !await ClusterObjects.WouldChangeAsync(_context.Client, colored, live, _context.FieldManager, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The Service's URL once it is published; null (validation then has only what the caller gave) when it is not within the timeout.</summary>
    private async Task<Uri?> UrlAsync(string service, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _context.Time.GetUtcNow() + timeout;
        while (true)
        {
            var live = await ClusterObjects.GetServiceAsync(_context.Client, _context.Namespace, service, cancellationToken).ConfigureAwait(false);
            if (live is not null && ServiceUrls.For(live) is { } url) return url;
            if (_context.Time.GetUtcNow() >= deadline) return null;
            await Task.Delay(TimeSpan.FromMilliseconds(200), _context.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static DateTimeOffset SwitchedAt(V1Service service) =>
        service.Metadata?.Annotations?.TryGetValue(SwitchedAtAnnotation, out var text) == true
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : DateTimeOffset.MinValue;

    private void Confirm(string change)
    {
        if (!_context.Confirm(change)) throw new StrategyDeclinedException(change);
    }

    private void Record(string kind, string description, bool succeeded, DateTimeOffset started)
    {
        var step = new StrategyStepResult { Index = _steps.Count + 1, Kind = kind, Description = description, Succeeded = succeeded, Started = started, Ended = _context.Time.GetUtcNow() };
        _steps.Add(step);
        _context.StepCompleted(step);
    }

    private StrategyRunResult Finish(StrategyOutcome outcome, string reason) => new(outcome, reason, _steps.ToArray());
}
