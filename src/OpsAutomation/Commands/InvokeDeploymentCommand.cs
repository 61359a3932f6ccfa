using System.Collections;
using System.Management.Automation;
using OpsAutomation.Core;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment;
using OpsAutomation.Core.Deployment.Images;
using OpsAutomation.Core.Deployment.Manifests;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Core.Deployment.Strategies;
using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Commands;

/// <summary>
/// <para type="synopsis">Deploys a service end to end: build and push, apply, roll out (rolling, canary or blue-green), validate, roll back on failure.</para>
/// <para type="description">Reads a deployment spec (-Path) or parameters, and writes one DeploymentResult.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Deployment", HelpUri = "docs/Invoke-Deployment.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = SpecSet)]
[OutputType(typeof(DeploymentResult), typeof(ManifestApplyResult))]
public sealed class InvokeDeploymentCommand : OpsCmdlet
{
    private const string SpecSet = "Spec";
    private const string ParametersSet = "Parameters";
    private const int ProgressActivityId = 0x4F62;
    private const string Activity = "Invoke-Deployment";

    /// <summary>The deployment spec: a psd1, YAML or JSON file.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SpecSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The Deployment to deploy (the one in the manifests), when no spec is given.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParametersSet)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Manifest files and folders, when no spec is given.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParametersSet)]
    [ValidateNotNullOrEmpty]
    public string[] Manifest { get; set; } = [];

    /// <summary>A prebuilt image (by tag or digest) for the containers named by -Container (default: the one named like the Deployment).</summary>
    [Parameter(ParameterSetName = ParametersSet)]
    [ValidateNotNullOrEmpty]
    public string? Image { get; set; }

    /// <summary>The containers that run -Image.</summary>
    [Parameter(ParameterSetName = ParametersSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Container { get; set; }

    /// <summary>RollingUpdate (default), Canary or BlueGreen.</summary>
    [Parameter(ParameterSetName = ParametersSet)]
    public DeploymentStrategyKind Strategy { get; set; } = DeploymentStrategyKind.RollingUpdate;

    /// <summary>The Service in front of the Deployment (required for Canary and BlueGreen; its URL is validated).</summary>
    [Parameter(ParameterSetName = ParametersSet)]
    [ValidateNotNullOrEmpty]
    public string? Service { get; set; }

    /// <summary>Values for ${NAME} in the manifests.</summary>
    [Parameter(ParameterSetName = ParametersSet)]
    public Hashtable? Variable { get; set; }

    /// <summary>The namespace; default the spec's, else "default".</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>The kubeconfig file; default the spec's, KUBECONFIG, ~/.kube/config.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Kubeconfig { get; set; }

    /// <summary>The kubeconfig context; default its current-context.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Context { get; set; }

    /// <summary>Take over fields other field managers own (server-side apply force).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Leave a failed rollout or validation for a person instead of rolling back.</summary>
    [Parameter]
    public SwitchParameter NoRollback { get; set; }

    /// <summary>The longest a rollout may take; default the spec's TimeoutSec, else 600.</summary>
    [Parameter]
    [ValidateRange(1, 86_400)]
    public double TimeoutSec { get; set; }

    /// <summary>The registry credential for the push; default the Docker config file's auths.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The Docker engine; default DOCKER_HOST, else the default socket.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DockerHost { get; set; }

    /// <summary>The state directory, where deployment records are kept.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var settings = LoadSettings();
        var (spec, baseDirectory) = ReadSpec();
        var previewing = await OnPipelineThreadAsync(Previewing).ConfigureAwait(false);
        var target = new KubernetesTarget(spec.Kubeconfig, spec.Context, null, false, TimeSpan.FromSeconds(30), spec.Kubeconfig is null ? "KUBECONFIG" : $"{spec.Origin} Kubeconfig");
        var runId = Guid.NewGuid().ToString("N");
        WriteDebug($"Spec={spec.Origin} Deployment={spec.Namespace}/{spec.Deployment} Strategy={spec.Strategy} Image={spec.ImageReference ?? spec.Build?.Repository} " +
            $"Manifests={string.Join(",", spec.Manifests)} Kubeconfig={spec.Kubeconfig} Context={spec.Context} Preview={previewing}");
        try
        {
            if (previewing && !await OnPipelineThreadAsync(() => ShouldProcess($"{spec.Namespace}/{spec.Deployment}", "Deploy")).ConfigureAwait(false))
            {
                // -WhatIf: each object is dry-run on the server and its diff shown; nothing is built, pushed or changed.
                await foreach (var result in new DeploymentRunner(Services(runtime, settings, target, runId, baseDirectory, spec, confirmOnly: true))
                    .PreviewAsync(spec, cancellationToken).ConfigureAwait(false))
                {
                    WriteObject(result);
                }
                return;
            }
            var store = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
            var services = Services(runtime, settings, target, runId, baseDirectory, spec, confirmOnly: false, store);
            var deployment = await new DeploymentRunner(services).RunAsync(spec, cancellationToken).ConfigureAwait(false);
            if (deployment.Outcome != DeploymentOutcome.Succeeded)
            {
                WriteError(new ErrorRecord(new InvalidOperationException($"{deployment.Namespace}/{deployment.Name}: {deployment.Outcome}: {deployment.Reason}"),
                    deployment.Outcome == DeploymentOutcome.RolledBack ? "DeploymentRolledBack" : "DeploymentFailed", ErrorCategory.InvalidResult, deployment.Name));
            }
            WriteObject(deployment);
        }
        catch (ManifestException ex)
        {
            throw ErrorRecords.Terminating(DeployKubernetesManifestCommand.ManifestError(ex));
        }
        catch (KubernetesApplyException ex)
        {
            throw ErrorRecords.Terminating(DeployKubernetesManifestCommand.ApplyError(ex));
        }
        catch (KubernetesConfigurationException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "KubernetesConfigurationInvalid", ErrorCategory.InvalidArgument, spec.Kubeconfig));
        }
        catch (Exception ex) when (ex is DeploymentSpecException or StrategyException)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "DeploymentInvalid", ErrorCategory.InvalidOperation, spec.Origin));
        }
        catch (StrategyDeclinedException ex)
        {
            WriteWarning($"{spec.Namespace}/{spec.Deployment}: {ex.Message}; the deployment record says where it stopped");
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "DeploymentSpecInvalid", spec.Origin));
        }
        catch (Exception ex) when (ex is ImagePushException or ImageBuildException or RegistryAuthenticationException or RegistryManifestNotFoundException or ImageDigestMismatchException)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, ex is ImageBuildException ? "ImageBuildFailed" : "ImagePushFailed", ErrorCategory.InvalidResult, spec.Build?.Repository));
        }
        catch (DeploymentApiException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "KubernetesRequestFailed", ErrorCategory.ConnectionError, spec.Deployment));
        }
        catch (DeploymentInProgressException ex)
        {
            // Another spec of the same pipeline may deploy something else: this one is refused, the rest go on.
            WriteError(new ErrorRecord(ex, "DeploymentInProgress", ErrorCategory.ResourceBusy, spec.Deployment));
        }
        finally
        {
            WriteProgress(new ProgressRecord(ProgressActivityId, Activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private DeploymentServices Services(OpsRuntime runtime, OpsSettings settings, KubernetesTarget target, string runId, string baseDirectory, DeploymentSpec spec,
        bool confirmOnly, StateStore? store = null)
    {
        var log = Own(new OpsLog(runId, OpsLogOptions.FromSettings(settings, WriteVerbose), new SecretRedactor(), runtime.Time));
        var health = new HealthRunOptions { RunId = runId, Settings = settings, BaseDirectory = baseDirectory, KeepHistory = true, Secrets = Secrets() };
        var reader = new ValidationSpecReader(runtime.Configuration, settings, baseDirectory);
        var channels = spec.Notifications.Select(map => NotificationChannels.Create(map, runtime.Http, Secrets(), baseDirectory, new SecretRedactor())).ToList();
        var notifier = new Notifier(runtime.Pipelines);
        return new DeploymentServices
        {
            Clients = runtime.Kubernetes,
            Target = target,
            Time = runtime.Time,
            RunId = runId,
            Context = spec.Context,
            Records = store is null ? null! : new DeploymentRecordStore(store, runtime.Time),
            ReadValidation = section => reader.Read(section),
            Validator = plan => DeploymentValidator.Create(runtime, plan, health, log, null, failure => WriteError(ErrorRecords.StateStoreFailure(failure))),
            BuildAndPushAsync = (build, token) => BuildAndPushAsync(runtime, build, token),
            AnnounceAsync = channels.Count == 0 ? null : async (notification, token) =>
            {
                foreach (var delivery in await notifier.SendAsync(notification, channels, token).ConfigureAwait(false))
                {
                    if (!delivery.Delivered)
                        WriteError(new ErrorRecord(new InvalidOperationException($"{delivery.Channel}: {delivery.Error}"), "NotificationFailed", ErrorCategory.ConnectionError, delivery.Channel));
                }
            },
            Metrics = runtime.Metrics.Deployments,
            ConfirmApply = confirmOnly ? (_, _) => Task.FromResult(false) : null,
            ConfirmChange = change => OnPipelineThreadAsync(() => ShouldProcess(change, change, Activity)).GetAwaiter().GetResult(),
            Status = status =>
            {
                WriteVerbose(status);
                WriteProgress(new ProgressRecord(ProgressActivityId, Activity, status));
            },
            RolloutProgress = new Progress<RolloutProgress>(p => WriteProgress(new ProgressRecord(ProgressActivityId, Activity, p.ToString()))),
            Force = Force,
        };
    }

    private async Task<(string Reference, string Digest)> BuildAndPushAsync(OpsRuntime runtime, ImageBuildSpec build, CancellationToken cancellationToken)
    {
        var engine = await ContainerEngine.ConnectAsync(DockerHost, cancellationToken).ConfigureAwait(false);
        var tag = $"{build.Repository}:{build.Tag}";
        var progress = ContainerEngine.Progress(this, ProgressActivityId, Activity);
        await engine.Builder(runtime.Time).BuildAsync(new ImageBuildOptions
        {
            ContextPath = build.Context, Dockerfile = build.Dockerfile, Tags = [tag], BuildArguments = build.BuildArguments, Target = build.Target, Labels = build.Labels,
        }, progress, WriteVerbose, cancellationToken).ConfigureAwait(false);
        if (!build.Push) return (tag, "");
        var registry = new RegistryClient(runtime.Http.Get(), HttpLimits.Api);
        var credential = ContainerEngine.Credential(Credential)
            ?? (await ContainerEngine.DockerConfigAsync(null, cancellationToken).ConfigureAwait(false)).Find(ImageReferenceParser.Parse(tag, "Image.Repository").Registry);
        var pushed = await engine.Publisher(registry, runtime.Time).PublishAsync(tag, credential, progress, cancellationToken).ConfigureAwait(false);
        return (pushed.Reference, pushed.Digest);
    }

    /// <summary>The spec from -Path, or built from the parameters; parameters given with -Path override the spec's values.</summary>
    private (DeploymentSpec Spec, string BaseDirectory) ReadSpec()
    {
        string origin;
        string baseDirectory;
        Dictionary<string, object?> tree;
        try
        {
            if (ParameterSetName == SpecSet)
            {
                origin = ResolvePath(Path);
                baseDirectory = System.IO.Path.GetDirectoryName(origin)!;
                tree = ModuleRuntime.Get().Configuration.ReadMap(origin);
            }
            else
            {
                origin = "parameters";
                baseDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
                tree = ConfigurationTree.NewMap();
                tree["Name"] = Name;
                tree["Manifests"] = Manifest.Cast<object?>().ToList();
                if (Image is not null) tree["Image"] = Image;
                if (Container is not null) tree["Containers"] = Container.Cast<object?>().ToList();
                if (Service is not null) tree["Service"] = Service;
                if (Strategy != DeploymentStrategyKind.RollingUpdate) tree["Strategy"] = new Dictionary<string, object?> { ["Type"] = Strategy.ToString() };
                if (Variable is not null) tree["Variables"] = PowerShellValues.ToConfigurationTree(Variable, "-Variable");
            }
            if (Namespace is not null) tree["Namespace"] = Namespace;
            if (Kubeconfig is not null) tree["Kubeconfig"] = ResolvePath(Kubeconfig);
            if (Context is not null) tree["Context"] = Context;
            if (TimeoutSec > 0) tree["TimeoutSec"] = TimeoutSec;
            if (NoRollback) tree["Rollback"] = false;
            return (DeploymentSpecReader.Read(tree, origin, baseDirectory), baseDirectory);
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "DeploymentSpecInvalid", Path));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "DeploymentSpecNotFound", ErrorCategory.ObjectNotFound, Path));
        }
    }

    /// <summary>-WhatIf (or its preference): the run is a server-side dry run with diffs.</summary>
    private bool Previewing() =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound) ? bound is SwitchParameter { IsPresent: true }
            : GetVariableValue("WhatIfPreference") is SwitchParameter { IsPresent: true } or true;
}
