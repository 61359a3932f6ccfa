using System.Globalization;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment.Manifests;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Core.Deployment.Strategies;
using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Deployment;

/// <summary>What a deployment run composes, given by its caller (Invoke-Deployment builds them from the runtime).</summary>
public sealed class DeploymentServices
{
    /// <summary>The module's client cache; the run's cluster is <see cref="Target"/>.</summary>
    public required KubernetesClients Clients { get; init; }

    public required KubernetesTarget Target { get; init; }

    /// <summary>The cluster's client (a configuration that cannot be used is a KubernetesConfigurationException naming it).</summary>
    public IKubernetes Client => Clients.Get(Target);

    public required TimeProvider Time { get; init; }

    public required string RunId { get; init; }

    /// <summary>Where the run's record is kept; a later run reads it (history, resuming).</summary>
    public required DeploymentRecordStore Records { get; init; }

    /// <summary>Reads a Validation section into gates.</summary>
    public required Func<ConfigurationMap, ValidationPlan> ReadValidation { get; init; }

    /// <summary>Makes the validator of a plan.</summary>
    public required Func<ValidationPlan, DeploymentValidator> Validator { get; init; }

    /// <summary>Builds and pushes the spec's image; returns the by-digest reference and the digest. Null when the run cannot build.</summary>
    public Func<ImageBuildSpec, CancellationToken, Task<(string Reference, string Digest)>>? BuildAndPushAsync { get; init; }

    /// <summary>Announces the start and the end of the run (a change notification); null announces nothing.</summary>
    public Func<Notification, CancellationToken, Task>? AnnounceAsync { get; init; }

    public DeploymentMetrics? Metrics { get; init; }

    /// <summary>Asked before each object is applied (ShouldProcess, with the dry run's diff); null applies all.</summary>
    public ConfirmChange? ConfirmApply { get; init; }

    /// <summary>Asked before each change a strategy or a rollback makes; false stops there.</summary>
    public Func<string, bool> ConfirmChange { get; init; } = _ => true;

    /// <summary>Told what the run is doing, a line at a time (Write-Progress, -Verbose).</summary>
    public Action<string> Status { get; init; } = _ => { };

    public IProgress<RolloutProgress>? RolloutProgress { get; init; }

    /// <summary>Take over fields other field managers own (server-side apply force).</summary>
    public bool Force { get; init; }

    /// <summary>The kubeconfig context, for the record.</summary>
    public string? Context { get; init; }
}

/// <summary>
/// One deployment, end to end: build and push the image (by digest from there on), read the
/// manifests with the image put into the named containers, apply them in order with server-side
/// apply, roll out by the spec's strategy (the Deployment's rolling update watched to its end, a
/// canary, or blue-green), validate with the spec's gates, and on a failure roll back exactly as
/// <c>kubectl rollout undo</c> does and validate again. The run is a record in the state store from
/// its first step, so a run stopped half-way is never left unsaid: the record says in progress, the
/// error says where the Deployment was left.
/// </summary>
public sealed class DeploymentRunner(DeploymentServices services)
{
    /// <summary>In a gate: the URL of the Service under validation (the preview Service for blue-green).</summary>
    public const string ServiceUrlVariable = "SERVICE_URL";

    /// <summary>
    /// In a gate: the pod-template-hash of the pods under validation (the canary's, the idle colour's,
    /// or after a rollback the restored version's), so a metric gate's query judges those pods only
    /// (Argo Rollouts passes the same hash to its analysis).
    /// </summary>
    public const string PodTemplateHashVariable = "POD_TEMPLATE_HASH";

    private readonly List<StrategyStepResult> _steps = [];
    private readonly List<RolloutResult> _rollouts = [];
    private readonly List<(string Stage, DeploymentValidation Validation)> _validations = [];
    private IKubernetes? _client;

    // One client for the run: the cache's lookup reads the kubeconfig's file times on every call.
    private IKubernetes Client => _client ??= services.Client;

    public async Task<DeploymentResult> RunAsync(DeploymentSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var started = services.Time.GetUtcNow();
        var ns = spec.Namespace;
        var interrupted = await TakeOverInterruptedAsync(spec, cancellationToken).ConfigureAwait(false);
        var before = await RevisionAsync(spec, cancellationToken).ConfigureAwait(false);
        var record = await services.Records.StartAsync(new DeploymentRecord
        {
            Id = services.RunId, Name = spec.Deployment, Namespace = ns, Context = services.Context, Strategy = spec.Strategy.ToString(),
            Image = spec.ImageReference, User = DeploymentRecordStore.CurrentUser(), StartedAt = started, RevisionBefore = before,
        }, cancellationToken).ConfigureAwait(false);
        await AnnounceAsync(spec, $"{ns}/{spec.Deployment}: deployment started ({spec.Strategy})", null, cancellationToken).ConfigureAwait(false);

        DeploymentResult result;
        try
        {
            result = await DeployAsync(spec, before, started, cancellationToken).ConfigureAwait(false);
            if (interrupted is not null) result = result with { Reason = $"{result.Reason} (continued run {interrupted.Id}, which was interrupted)" };
        }
        catch (Exception ex)
        {
            var reason = ex is OperationCanceledException
                ? $"stopped: {(ex is RolloutCancelledException cancelled ? cancelled.Result.Message : "before the rollout finished")}; run again to continue, or Undo-Deployment"
                : ex.Message;
            // The record must say how the run ended even when the run's own token is cancelled.
            await services.Records.FinishAsync(record.Id, DeploymentOutcome.Failed, reason, null, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        await services.Records.UpdateAsync(record with
        {
            Image = result.Image, ImageDigest = result.ImageDigest, RevisionAfter = result.RevisionAfter, Outcome = result.Outcome, Reason = result.Reason,
            EndedAt = services.Time.GetUtcNow(), DetailsJson = Details(result),
        }, CancellationToken.None).ConfigureAwait(false);
        services.Metrics?.Record(result);
        await AnnounceAsync(spec, $"{ns}/{spec.Deployment}: {Describe(result)}", result.Reason, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// The run of this Deployment that a kill left InProgress: its process on this host has ended, so
    /// its record is finished as Failed naming this run, which continues from where the cluster is (a
    /// canary's step, a blue-green's colors). A run whose process still lives is refused: two runs of
    /// one Deployment at once would undo each other. A record of another host is left to that host.
    /// </summary>
    private async Task<DeploymentRecord?> TakeOverInterruptedAsync(DeploymentSpec spec, CancellationToken cancellationToken)
    {
        var unfinished = await services.Records.FindUnfinishedAsync(spec.Deployment, spec.Namespace, services.Context, cancellationToken).ConfigureAwait(false);
        if (unfinished is null || !unfinished.Host.Equals(Environment.MachineName, StringComparison.OrdinalIgnoreCase)) return null;
        if (LocalProcess.IsRunning(unfinished.ProcessId))
        {
            throw new DeploymentInProgressException(
                $"{spec.Namespace}/{spec.Deployment} is being deployed by run {unfinished.Id} (process {unfinished.ProcessId}, {unfinished.User}, since {unfinished.StartedAt:u}); wait for it to end or stop it first");
        }
        services.Status($"continuing run {unfinished.Id}, interrupted when process {unfinished.ProcessId} ended");
        await services.Records.FinishAsync(unfinished.Id, DeploymentOutcome.Failed,
            $"interrupted: process {unfinished.ProcessId} on {unfinished.Host} ended before the run did; run {services.RunId} continued it", null, cancellationToken).ConfigureAwait(false);
        return unfinished;
    }

    /// <summary>
    /// -WhatIf: the manifests as the run would apply them (the image by its tag, as it is not built),
    /// each dry-run on the server with its diff against the live object. Nothing is built, pushed,
    /// recorded or changed.
    /// </summary>
    public async IAsyncEnumerable<ManifestApplyResult> PreviewAsync(DeploymentSpec spec, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var image = spec.ImageReference ?? (spec.Build is { } build ? $"{build.Repository}:{build.Tag}" : null);
        var manifests = await ReadManifestsAsync(spec, image, cancellationToken).ConfigureAwait(false);
        var options = new ManifestApplyOptions { Namespace = spec.Namespace, Force = services.Force, Preview = true, Confirm = (_, _) => Task.FromResult(false) };
        await foreach (var result in ApplySetsAsync(spec, manifests, options, cancellationToken).ConfigureAwait(false)) yield return result;
    }

    private async Task<DeploymentResult> DeployAsync(DeploymentSpec spec, long? before, DateTimeOffset started, CancellationToken cancellationToken)
    {
        var (image, digest) = await ImageAsync(spec, cancellationToken).ConfigureAwait(false);
        var manifests = await ReadManifestsAsync(spec, image, cancellationToken).ConfigureAwait(false);
        var deployment = manifests.FirstOrDefault(m => m.Kind == "Deployment" && m.Name == spec.Deployment)
            ?? throw new DeploymentSpecException($"{spec.Origin}: the manifests ({string.Join(", ", spec.Manifests)}) have no Deployment named {spec.Deployment}");
        var service = spec.Service is null ? null : manifests.FirstOrDefault(m => m.Kind == "Service" && m.Name == spec.Service)
            ?? throw new DeploymentSpecException($"{spec.Origin}: the manifests ({string.Join(", ", spec.Manifests)}) have no Service named {spec.Service}");

        var strategy = spec.Strategy;
        if (strategy == DeploymentStrategyKind.Canary && before is null)
        {
            // Nothing runs yet to compare a canary with: the first version goes out as a rolling update.
            services.Status($"{spec.Namespace}/{spec.Deployment} does not exist yet: the first version is deployed as a rolling update");
            strategy = DeploymentStrategyKind.RollingUpdate;
        }
        var outcome = strategy switch
        {
            DeploymentStrategyKind.Canary => await CanaryAsync(spec, manifests, deployment, service!, cancellationToken).ConfigureAwait(false),
            DeploymentStrategyKind.BlueGreen => await BlueGreenAsync(spec, manifests, deployment, service!, cancellationToken).ConfigureAwait(false),
            _ => await RollingAsync(spec, manifests, service, before, cancellationToken).ConfigureAwait(false),
        };
        var url = service is null ? null : await ServiceUrlAsync(spec.Namespace, service.Name, cancellationToken).ConfigureAwait(false);
        return new DeploymentResult
        {
            Id = services.RunId, Name = spec.Deployment, Namespace = spec.Namespace, Kubeconfig = spec.Kubeconfig, Context = spec.Context, Strategy = spec.Strategy, Outcome = outcome.Outcome,
            Changed = outcome.Changed, Reason = outcome.Reason, Image = image, ImageDigest = digest, RevisionBefore = before,
            RevisionAfter = await RevisionAsync(spec, cancellationToken).ConfigureAwait(false), Applied = outcome.Applied, Rollout = outcome.Rollout,
            Rollouts = [.. _rollouts], Validation = outcome.Validation, Steps = [.. _steps], Uri = url is null ? [] : [url.AbsoluteUri], StartTime = started, Duration = services.Time.GetUtcNow() - started,
        };
    }

    private async Task<RunOutcome> RollingAsync(DeploymentSpec spec, IReadOnlyList<Manifest> manifests, Manifest? service, long? before, CancellationToken cancellationToken)
    {
        var applied = await ApplyAsync(spec, manifests, cancellationToken).ConfigureAwait(false);
        var changed = applied.Any(a => a.Outcome != ManifestApplyOutcome.Unchanged);
        RolloutResult rollout;
        try
        {
            rollout = await WaitAsync(spec, spec.Deployment, cancellationToken).ConfigureAwait(false);
        }
        catch (RolloutFailedException ex)
        {
            return await RollBackAsync(spec, service, before, applied, ex.Result, null, $"the rollout failed: {ex.Result.Message}", cancellationToken).ConfigureAwait(false);
        }
        var validation = await ValidateAsync(spec, "rollout", service, cancellationToken).ConfigureAwait(false);
        if (validation is { Outcome: not ValidationOutcome.Passed })
            return await RollBackAsync(spec, service, before, applied, rollout, validation, $"the validation did not pass: {validation.Reason}", cancellationToken).ConfigureAwait(false);
        var reason = changed ? $"rolled out revision {rollout.Revision}{Validated(validation)}" : $"unchanged: the cluster already runs these manifests{Validated(validation)}";
        return new RunOutcome(DeploymentOutcome.Succeeded, changed, reason, applied, rollout, validation);
    }

    /// <summary>Undo as kubectl rollout undo does, wait for it, and validate the restored version.</summary>
    private async Task<RunOutcome> RollBackAsync(DeploymentSpec spec, Manifest? service, long? before, IReadOnlyList<ManifestApplyResult> applied, RolloutResult? rollout,
        DeploymentValidation? validation, string failure, CancellationToken cancellationToken)
    {
        if (!spec.Rollback) return new RunOutcome(DeploymentOutcome.Failed, true, $"{failure}; not rolled back (Rollback is off)", applied, rollout, validation);
        if (before is null) return new RunOutcome(DeploymentOutcome.Failed, true, $"{failure}; no earlier revision to roll back to", applied, rollout, validation);
        services.Status($"{failure}: rolling back {spec.Namespace}/{spec.Deployment}");
        DeploymentUndoResult undo;
        try
        {
            undo = await new DeploymentUndo(Client, services.Time).UndoAsync(new DeploymentUndoOptions
            {
                Name = spec.Deployment, Namespace = spec.Namespace,
                Confirm = (target, action) => Task.FromResult(services.ConfirmChange($"{action} of {target}")),
                Wait = WaitOptions(spec, spec.Deployment),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RolloutFailedException ex)
        {
            _rollouts.Add(ex.Result);
            return new RunOutcome(DeploymentOutcome.Failed, true, $"{failure}; the rollback's rollout failed too: {ex.Result.Message}", applied, ex.Result, validation);
        }
        if (undo.Rollout is { } undoRollout) _rollouts.Add(undoRollout);
        if (undo.Rollout is { Succeeded: false } undone)
            return new RunOutcome(DeploymentOutcome.Failed, true, $"{failure}; the rollback's rollout did not complete either: {undone.Message}", applied, undone, validation);
        var after = await ValidateAsync(spec, "rollback", service, cancellationToken).ConfigureAwait(false);
        var restored = after is null or { Outcome: ValidationOutcome.Passed } ? "" : $"; the restored version did not pass either: {after.Reason}";
        return new RunOutcome(after is null or { Outcome: ValidationOutcome.Passed } ? DeploymentOutcome.RolledBack : DeploymentOutcome.Failed, true,
            $"{failure}; {undo.Message}{restored}", applied, undo.Rollout ?? rollout, validation);
    }

    private async Task<RunOutcome> CanaryAsync(DeploymentSpec spec, IReadOnlyList<Manifest> manifests, Manifest deployment, Manifest service, CancellationToken cancellationToken)
    {
        // Everything but the Deployment goes out first (the Service must be there to split traffic); the Deployment is the promotion.
        var applied = await ApplyAsync(spec, [.. manifests.Where(m => m != deployment)], cancellationToken).ConfigureAwait(false);
        var promoted = new List<ManifestApplyResult>();
        var url = await ServiceUrlAsync(spec.Namespace, service.Name, cancellationToken).ConfigureAwait(false);
        var run = await new CanaryRollout(StrategyContext(spec, service)).RunAsync(new CanaryPlan
        {
            Desired = Typed<V1Deployment>(deployment, spec.Namespace),
            Steps = spec.CanarySteps,
            MaxSurge = spec.MaxSurge,
            ServiceUrl = url,
            PromoteAsync = async token => promoted.AddRange(await ApplyAsync(spec, [deployment], token).ConfigureAwait(false)),
        }, cancellationToken).ConfigureAwait(false);
        return FromStrategy(run, [.. applied, .. promoted]);
    }

    private async Task<RunOutcome> BlueGreenAsync(DeploymentSpec spec, IReadOnlyList<Manifest> manifests, Manifest deployment, Manifest service, CancellationToken cancellationToken)
    {
        // The strategy writes the colored Deployments and the two Services itself; the rest goes out as written.
        var applied = await ApplyAsync(spec, [.. manifests.Where(m => m != deployment && m != service)], cancellationToken).ConfigureAwait(false);
        var run = await new BlueGreenRollout(StrategyContext(spec, service)).RunAsync(new BlueGreenPlan
        {
            Desired = Typed<V1Deployment>(deployment, spec.Namespace),
            Service = Typed<V1Service>(service, spec.Namespace),
            ScaleDownDelay = spec.ScaleDownDelay,
        }, cancellationToken).ConfigureAwait(false);
        return FromStrategy(run, applied);
    }

    private StrategyContext StrategyContext(DeploymentSpec spec, Manifest service) => new()
    {
        Client = Client,
        Namespace = spec.Namespace,
        Time = services.Time,
        WaitForRolloutAsync = (name, token) => WaitAsync(spec, name, token),
        AnalyzeAsync = async (request, token) =>
        {
            var validation = await ValidateAsync(spec, request.Stage, request.ServiceUrl, request.Deployment, token).ConfigureAwait(false);
            return validation is null ? AnalysisVerdict.Pass("no gates: the spec has no Validation and the Service has no URL")
                : new AnalysisVerdict(validation.Outcome == ValidationOutcome.Passed, validation.Reason);
        },
        Confirm = services.ConfirmChange,
        StepCompleted = step =>
        {
            _steps.Add(step);
            services.Status($"{step.Kind}: {step.Description}");
        },
    };

    /// <summary>A strategy's end as the run's outcome; its validation is the last analysis, the one that decided.</summary>
    private RunOutcome FromStrategy(StrategyRunResult run, IReadOnlyList<ManifestApplyResult> applied)
    {
        var decided = _validations.Count > 0 ? _validations[^1].Validation : null;
        return run.Outcome switch
        {
            StrategyOutcome.Promoted => new RunOutcome(DeploymentOutcome.Succeeded, true, run.Reason, applied, null, decided),
            StrategyOutcome.Unchanged => new RunOutcome(DeploymentOutcome.Succeeded, false, $"unchanged: {run.Reason}", applied, null, decided),
            // Aborted or switched back: the new version was taken away and the old one serves, as after a rollback.
            _ => new RunOutcome(DeploymentOutcome.RolledBack, true, run.Reason, applied, null, decided),
        };
    }

    private async Task<IReadOnlyList<ManifestApplyResult>> ApplyAsync(DeploymentSpec spec, IReadOnlyList<Manifest> manifests, CancellationToken cancellationToken)
    {
        if (manifests.Count == 0) return [];
        var options = new ManifestApplyOptions { Namespace = spec.Namespace, Force = services.Force, Preview = services.ConfirmApply is not null, Confirm = services.ConfirmApply };
        var results = new List<ManifestApplyResult>();
        await foreach (var result in ApplySetsAsync(spec, manifests, options, cancellationToken).ConfigureAwait(false))
        {
            services.Status($"{result.Kind} {result.Namespace}/{result.Name}: {result.Outcome}{(result.DryRun ? " (not applied)" : "")}");
            results.Add(result);
        }
        // A change declined at the prompt: the run stops before any rollout of a half-applied set.
        if (results.FirstOrDefault(r => r.DryRun) is { } declined) throw new StrategyDeclinedException($"apply {declined.Kind} {declined.Namespace}/{declined.Name}");
        return results;
    }

    /// <summary>The rollout watched to its end; one that did not complete (failed pod, deadline, timeout) is a <see cref="RolloutFailedException"/>.</summary>
    /// <summary>
    /// Applies the manifests in order. The fields the module's own rollback or canary scaling set on the
    /// driven Deployment are taken back by the next deployment (as Helm and Argo CD do): that one object
    /// is applied with force; a field another manager owns anywhere else still stops the run as a conflict.
    /// </summary>
    private async IAsyncEnumerable<ManifestApplyResult> ApplySetsAsync(DeploymentSpec spec, IReadOnlyList<Manifest> manifests, ManifestApplyOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var applier = new ManifestApplier(Client, services.Time);
        var sets = await OwnFieldsHeldAsync(spec, cancellationToken).ConfigureAwait(false)
            ? new[] { (manifests.Where(m => !IsDriven(m, spec)).ToList(), options.Force), (manifests.Where(m => IsDriven(m, spec)).ToList(), true) }
            : [(manifests.ToList(), options.Force)];
        foreach (var (set, force) in sets)
        {
            if (set.Count == 0) continue;
            var setOptions = new ManifestApplyOptions { Namespace = options.Namespace, Force = force, Preview = options.Preview, Confirm = options.Confirm };
            var plan = await applier.PlanAsync(set, setOptions, cancellationToken).ConfigureAwait(false);
            await foreach (var result in applier.ApplyAsync(plan, setOptions, cancellationToken).ConfigureAwait(false)) yield return result;
        }
    }

    private static bool IsDriven(Manifest manifest, DeploymentSpec spec) => manifest.Kind == "Deployment" && manifest.Name == spec.Deployment;

    /// <summary>Whether the live Deployment has fields set by the module's rollback or its canary scaling.</summary>
    private async Task<bool> OwnFieldsHeldAsync(DeploymentSpec spec, CancellationToken cancellationToken)
    {
        var live = await ClusterObjects.GetDeploymentAsync(Client, spec.Namespace, spec.Deployment, cancellationToken).ConfigureAwait(false);
        return live?.Metadata?.ManagedFields?.Any(f => f.Manager is DeploymentUndo.FieldManager or ClusterObjects.ScaleManager) == true;
    }

    private async Task<RolloutResult> WaitAsync(DeploymentSpec spec, string name, CancellationToken cancellationToken)
    {
        services.Status($"waiting for the rollout of {spec.Namespace}/{name}");
        var result = await new RolloutWatcher(Client, services.Time).WaitAsync(WaitOptions(spec, name), cancellationToken).ConfigureAwait(false);
        _rollouts.Add(result);
        return result.Succeeded ? result : throw new RolloutFailedException(result);
    }

    private RolloutWaitOptions WaitOptions(DeploymentSpec spec, string name) =>
        new() { Name = name, Namespace = spec.Namespace, Timeout = spec.Timeout, Progress = services.RolloutProgress };

    private async Task<DeploymentValidation?> ValidateAsync(DeploymentSpec spec, string stage, Manifest? service, CancellationToken cancellationToken)
    {
        var url = service is null ? null : await ServiceUrlAsync(spec.Namespace, service.Name, cancellationToken).ConfigureAwait(false);
        return await ValidateAsync(spec, stage, url, spec.Deployment, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The spec's gates for one stage, with <c>${SERVICE_URL}</c> the URL of the Service under
    /// validation and <c>${POD_TEMPLATE_HASH}</c> the hash of <paramref name="deployment"/>'s current
    /// pods; without a Validation section, the Service's URL healthy 3 rounds in a row.
    /// Null when there is nothing to validate with (no section, no URL).
    /// </summary>
    private async Task<DeploymentValidation?> ValidateAsync(DeploymentSpec spec, string stage, Uri? url, string deployment, CancellationToken cancellationToken)
    {
        ConfigurationMap? section;
        if (spec.Validation is { } written)
        {
            var hash = ValidationSection.Uses(written, "${" + PodTemplateHashVariable + "}")
                ? await PodTemplateHashAsync(spec.Namespace, deployment, cancellationToken).ConfigureAwait(false)
                : null;
            section = ValidationSection.WithVariables(written,
            [
                new ValidationVariable(ServiceUrlVariable, url?.AbsoluteUri.TrimEnd('/'), "the Service has no URL reachable from here; give the URL instead"),
                new ValidationVariable(PodTemplateHashVariable, hash, $"Deployment {spec.Namespace}/{deployment} has no ReplicaSet of its template"),
            ], stage);
        }
        else
        {
            section = url is null ? null : ValidationSection.Default(url, spec.Origin);
        }
        if (section is null) return null;
        services.Status($"validating ({stage})");
        var plan = services.ReadValidation(section);
        var validation = await services.Validator(plan).ValidateAsync(plan, services.RunId, null, cancellationToken).ConfigureAwait(false);
        _validations.Add((stage, validation));
        return validation;
    }

    /// <summary>The pod-template-hash of the ReplicaSet of <paramref name="name"/>'s current template; null when there is none.</summary>
    private async Task<string?> PodTemplateHashAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var deployment = await DeploymentObjects.ReadAsync(Client, name, ns, cancellationToken).ConfigureAwait(false);
        var replicaSets = await DeploymentObjects.ReplicaSetsAsync(Client, deployment, cancellationToken).ConfigureAwait(false);
        return DeploymentObjects.NewReplicaSet(deployment, replicaSets)?.Metadata.Labels?.TryGetValue(DeploymentObjects.PodTemplateHashLabel, out var hash) == true ? hash : null;
    }

    private async Task<(string? Image, string? Digest)> ImageAsync(DeploymentSpec spec, CancellationToken cancellationToken)
    {
        if (spec.Build is not { } build) return (spec.ImageReference, null);
        if (services.BuildAndPushAsync is null) throw new DeploymentSpecException($"{spec.Origin}: the spec builds an image and this run has no Docker engine");
        services.Status($"building {build.Repository}:{build.Tag}");
        var (reference, digest) = await services.BuildAndPushAsync(build, cancellationToken).ConfigureAwait(false);
        return (reference, digest);
    }

    private static Task<IReadOnlyList<Manifest>> ReadManifestsAsync(DeploymentSpec spec, string? image, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, string>(spec.Variables, StringComparer.Ordinal) { ["NAME"] = spec.Name };
        variables.TryAdd("NAMESPACE", spec.Namespace);
        if (image is not null) variables["IMAGE"] = image;
        if (spec.Build is { } build) variables.TryAdd("VERSION", build.Tag);
        var images = image is null ? new Dictionary<string, string>() : spec.Containers.ToDictionary(c => c, _ => image, StringComparer.Ordinal);
        return ManifestReader.ReadAsync(spec.Manifests, new ManifestReadOptions { Variables = variables, Images = images }, cancellationToken);
    }

    private async Task<long?> RevisionAsync(DeploymentSpec spec, CancellationToken cancellationToken)
    {
        var name = spec.Strategy == DeploymentStrategyKind.BlueGreen ? await ActiveColoredNameAsync(spec, cancellationToken).ConfigureAwait(false) : spec.Deployment;
        var live = await ClusterObjects.GetDeploymentAsync(Client, spec.Namespace, name, cancellationToken).ConfigureAwait(false);
        return live?.Metadata?.Annotations?.TryGetValue("deployment.kubernetes.io/revision", out var text) == true
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var revision) ? revision : null;
    }

    // Blue-green's revision is the active color's Deployment's.
    private async Task<string> ActiveColoredNameAsync(DeploymentSpec spec, CancellationToken cancellationToken)
    {
        var live = spec.Service is null ? null : await ClusterObjects.GetServiceAsync(Client, spec.Namespace, spec.Service, cancellationToken).ConfigureAwait(false);
        return live is not null && StrategyObjects.SelectedColor(live) is { } color ? StrategyObjects.ColoredName(spec.Deployment, color) : spec.Deployment;
    }

    private async Task<Uri?> ServiceUrlAsync(string ns, string service, CancellationToken cancellationToken)
    {
        // The sandbox publishes a new Service's port, and a cloud its load balancer, a moment after it is written.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var live = await ClusterObjects.GetServiceAsync(Client, ns, service, cancellationToken).ConfigureAwait(false);
            if (live is null) return null;
            if (ServiceUrls.For(live) is { } url) return url;
            // A Service a few seconds old without an address will not get one (a ClusterIP); a new one may still.
            if (live.Metadata?.CreationTimestamp is { } created && services.Time.GetUtcNow().UtcDateTime - created.ToUniversalTime() > TimeSpan.FromSeconds(5)) return null;
            await Task.Delay(TimeSpan.FromMilliseconds(100), services.Time, cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    private async Task AnnounceAsync(DeploymentSpec spec, string summary, string? description, CancellationToken cancellationToken)
    {
        if (services.AnnounceAsync is null) return;
        var now = services.Time.GetUtcNow();
        await services.AnnounceAsync(new Notification
        {
            Kind = NotificationKind.Change,
            DedupKey = $"opsautomation/deployment/{spec.Namespace}/{spec.Deployment}/{services.RunId}",
            State = AlertState.Firing,
            AlertName = "Deployment",
            Severity = HealthSeverity.Info,
            Summary = summary,
            Description = description,
            Source = $"{spec.Namespace}/{spec.Deployment}",
            Component = spec.Strategy.ToString(),
            StartsAt = now,
            Timestamp = now,
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(DeploymentResult result) => result.Outcome switch
    {
        DeploymentOutcome.Succeeded when !result.Changed => "deployment unchanged",
        DeploymentOutcome.Succeeded => $"deployed {result.Image ?? "the manifests"}",
        DeploymentOutcome.RolledBack => "deployment rolled back",
        _ => "deployment failed",
    };

    private static string Validated(DeploymentValidation? validation) => validation is null ? "" : $"; {validation.Reason}";

    private string Details(DeploymentResult result) => DeploymentDetails.From(result, _validations).ToJson();

    private static T Typed<T>(Manifest manifest, string ns) where T : IMetadata<V1ObjectMeta>
    {
        var typed = KubernetesJson.Deserialize<T>(manifest.Body.ToJsonString());
        typed.Metadata.NamespaceProperty ??= ns;
        return typed;
    }

    private sealed record RunOutcome(DeploymentOutcome Outcome, bool Changed, string Reason, IReadOnlyList<ManifestApplyResult> Applied, RolloutResult? Rollout,
        DeploymentValidation? Validation);
}

/// <summary>The spec cannot be deployed as written: the message names the spec and what is missing.</summary>
public sealed class DeploymentSpecException(string message) : Exception(message);

/// <summary>Another live run is deploying the same Deployment: the message names the run, its process and who started it.</summary>
public sealed class DeploymentInProgressException(string message) : Exception(message);
