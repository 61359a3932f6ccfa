using System.Collections;
using System.Management.Automation;
using OpsAutomation.Core.Deployment.Manifests;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Logging;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Commands;

/// <summary>
/// Applies Kubernetes manifests (files or folders of YAML or JSON) with server-side apply under the
/// module's field manager, in dependency order, with ${NAME} variables and images put into named
/// containers; -WhatIf is a server-side dry run that shows the diff against the live objects.
/// </summary>
[Cmdlet("Deploy", "KubernetesManifest", HelpUri = "docs/Deploy-KubernetesManifest.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ManifestApplyResult))]
public sealed class DeployKubernetesManifestCommand : OpsCmdlet
{
    private const int ProgressActivityId = 0x4F60;
    private readonly List<string> _paths = [];

    /// <summary>Manifest files or folders (their .yaml, .yml and .json files); wildcards are allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Values of ${NAME} placeholders, looked up before environment variables: @{ VERSION = '1.4.2' }.</summary>
    [Parameter]
    public Hashtable? Variable { get; set; }

    /// <summary>Container name to image reference: @{ web = 'registry/app@sha256:...' } runs that image in every pod template with a container named web.</summary>
    [Parameter]
    public Hashtable? Image { get; set; }

    /// <summary>The namespace of namespaced objects that name none; an object naming another is an error. Default: the kubeconfig context's namespace, else default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>The kubeconfig file. Default: KUBECONFIG, then ~/.kube/config, then the pod's service account.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Kubeconfig { get; set; }

    /// <summary>The kubeconfig context. Default: its current-context.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Context { get; set; }

    /// <summary>Take over fields that other field managers own instead of stopping with KubernetesApplyConflict.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The limit of one API request, in seconds. Default 30.</summary>
    [Parameter]
    [ValidateRange(0.001, 3600)]
    public double TimeoutSec { get; set; } = 30;

    /// <summary>The largest manifest file read, in bytes. Default 4 MiB.</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long MaxFileBytes { get; set; } = ManifestReadOptions.DefaultMaxFileBytes;

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        foreach (var path in Path)
        {
            var resolved = await OnPipelineThreadAsync(() => Resolve(path)).ConfigureAwait(false);
            _paths.AddRange(resolved);
        }
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var preview = await OnPipelineThreadAsync(Previewing).ConfigureAwait(false);
        WriteDebug($"Path={string.Join(",", _paths)} Namespace={Namespace} Kubeconfig={Kubeconfig} Context={Context} Force={Force.IsPresent} " +
            $"TimeoutSec={TimeoutSec} MaxFileBytes={MaxFileBytes} Variables={string.Join(",", Strings(Variable, "-Variable").Keys)} Preview={preview}");
        var read = new ManifestReadOptions { Variables = Strings(Variable, "-Variable"), Images = Strings(Image, "-Image"), MaxFileBytes = MaxFileBytes };
        var activity = "Applying Kubernetes manifests";
        // One run id ties the log lines of this apply together; nothing logged holds a manifest's values.
        using var log = new OpsLog(Guid.NewGuid().ToString("N"), OpsLogOptions.FromSettings(LoadSettings(), WriteVerbose), new SecretRedactor(), runtime.Time);
        try
        {
            var manifests = await ManifestReader.ReadAsync(_paths, read, cancellationToken).ConfigureAwait(false);
            var target = new KubernetesTarget(Kubeconfig is null ? null : ResolvePath(Kubeconfig), Context, null, false, TimeSpan.FromSeconds(TimeoutSec), "-Kubeconfig");
            var applier = ManifestApplier.For(runtime.Kubernetes, target, runtime.Time);
            var options = new ManifestApplyOptions
            {
                Force = Force,
                Namespace = Namespace,
                // As kubectl: objects that name no namespace go to -Namespace, else the context's.
                DefaultNamespace = runtime.Kubernetes.ContextNamespace(target) ?? "default",
                Preview = preview,
                RequestTimeout = target.Timeout,
                Confirm = (change, _) => OnPipelineThreadAsync(() => ShouldProcess(Describe(change), $"{change.Action}: {change.Target}?{DiffText(change)}", "Deploy-KubernetesManifest")),
            };
            var plan = await applier.PlanAsync(manifests, options, cancellationToken).ConfigureAwait(false);
            var done = 0;
            await foreach (var result in applier.ApplyAsync(plan, options, cancellationToken).ConfigureAwait(false))
            {
                done++;
                log.Write(Applied(result));
                WriteProgress(new ProgressRecord(ProgressActivityId, activity, $"{done} of {plan.Objects.Count} applied")
                {
                    PercentComplete = 100 * done / Math.Max(1, plan.Objects.Count),
                });
                WriteObject(result);
            }
        }
        catch (ManifestException ex)
        {
            throw ErrorRecords.Terminating(Failed(log, ManifestError(ex)));
        }
        catch (KubernetesApplyException ex)
        {
            throw ErrorRecords.Terminating(Failed(log, ApplyError(ex)));
        }
        catch (KubernetesConfigurationException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "KubernetesConfigurationInvalid", ErrorCategory.InvalidArgument, Kubeconfig));
        }
        catch (ArgumentException ex) when (ex.ParamName == nameof(ManifestReadOptions.Images))
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "ManifestImageInvalid", ErrorCategory.InvalidArgument, Image));
        }
        finally
        {
            WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private static LogRecord Applied(ManifestApplyResult result) => new()
    {
        Message = $"{result.Kind} {(result.Namespace is null ? "" : result.Namespace + "/")}{result.Name} ({result.Source}): {result.Outcome}" +
            $"{(result.DryRun ? " (dry run)" : "")}, generation {result.Generation}, resourceVersion {result.ResourceVersion}",
        Action = "kubernetes-apply",
        Outcome = "success",
        Labels = new Dictionary<string, string?>
        {
            ["kind"] = result.Kind,
            ["namespace"] = result.Namespace,
            ["name"] = result.Name,
            ["apply_outcome"] = result.Outcome.ToString(),
            ["dry_run"] = result.DryRun ? "true" : "false",
            ["resource_version"] = result.ResourceVersion,
            ["field_manager"] = result.FieldManager,
        },
    };

    private static ErrorRecord Failed(OpsLog log, ErrorRecord error)
    {
        log.Write(new LogRecord
        {
            Level = OpsLogLevel.Error,
            Message = error.Exception.Message,
            Action = "kubernetes-apply",
            Outcome = "failure",
            ErrorType = error.FullyQualifiedErrorId,
            ErrorMessage = error.Exception.Message,
        });
        return error;
    }

    private System.Collections.ObjectModel.Collection<string> Resolve(string path)
    {
        try
        {
            return SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _);
        }
        catch (ItemNotFoundException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(
                new ManifestException(ManifestProblem.NotFound, $"the manifest path {path} does not exist", inner: ex), "ManifestNotFound", ErrorCategory.ObjectNotFound, path));
        }
    }

    /// <summary>Whether a change will be asked about or only shown (-WhatIf, -Confirm, or the preferences that mean them): then each object is dry-run first for its diff.</summary>
    private bool Previewing()
    {
        foreach (var name in (string[])["WhatIf", "Confirm"])
        {
            if (MyInvocation.BoundParameters.TryGetValue(name, out var bound)) return bound is SwitchParameter { IsPresent: true } || (bound is bool b && b);
        }
        return GetVariableValue("WhatIfPreference") is SwitchParameter { IsPresent: true } or true
            || GetVariableValue("ConfirmPreference") is ConfirmImpact preference && preference != ConfirmImpact.None && preference <= ConfirmImpact.Medium;
    }

    private static string Describe(PlannedChange change) => $"{change.Action}: {change.Target}{DiffText(change)}";

    private static string DiffText(PlannedChange change) => change.Diff switch
    {
        null => "",
        "" => " (no change)",
        var diff => Environment.NewLine + diff.TrimEnd('\n').Replace("\n", Environment.NewLine, StringComparison.Ordinal),
    };

    private static Dictionary<string, string> Strings(Hashtable? table, string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (table is null) return result;
        foreach (DictionaryEntry entry in table)
        {
            var key = entry.Key.ToString() ?? "";
            result[key] = entry.Value switch
            {
                null => throw ErrorRecords.Terminating(new ErrorRecord(new ArgumentException($"{parameter} gives {key} no value."), "ManifestVariableInvalid", ErrorCategory.InvalidArgument, key)),
                PSObject o => o.BaseObject.ToString() ?? "",
                var value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
            };
        }
        return result;
    }

    internal static ErrorRecord ManifestError(ManifestException ex) => ex.Problem switch
    {
        ManifestProblem.NotFound => new(ex, "ManifestNotFound", ErrorCategory.ObjectNotFound, ex.Source?.ToString()),
        ManifestProblem.VariableUndefined => new(ex, "ManifestVariableUndefined", ErrorCategory.InvalidData, ex.Source?.ToString()),
        ManifestProblem.ContainerNotFound => new(ex, "ManifestContainerNotFound", ErrorCategory.ObjectNotFound, ex.Source?.ToString()),
        ManifestProblem.KindUnknown => new(ex, "KubernetesKindUnknown", ErrorCategory.InvalidData, ex.Source?.ToString()),
        _ => new(ex, "ManifestInvalid", ErrorCategory.InvalidData, ex.Source?.ToString()),
    };

    internal static ErrorRecord ApplyError(KubernetesApplyException ex)
    {
        var (id, category) = ex.Failure switch
        {
            KubernetesApplyFailure.Conflict => ("KubernetesApplyConflict", ErrorCategory.InvalidOperation),
            KubernetesApplyFailure.Unauthorized => ("KubernetesUnauthorized", ErrorCategory.AuthenticationError),
            KubernetesApplyFailure.Forbidden => ("KubernetesForbidden", ErrorCategory.PermissionDenied),
            KubernetesApplyFailure.NamespaceNotFound => ("KubernetesNamespaceNotFound", ErrorCategory.ObjectNotFound),
            KubernetesApplyFailure.Unreachable => ("KubernetesUnreachable", ErrorCategory.ConnectionError),
            KubernetesApplyFailure.Timeout => ("KubernetesTimeout", ErrorCategory.OperationTimeout),
            _ => ("KubernetesApplyRejected", ErrorCategory.InvalidData),
        };
        return new ErrorRecord(ex, id, category, ex.Target?.ToString());
    }
}
