using System.Management.Automation;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.Incidents.Runbooks;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Commands;

/// <summary>
/// <para type="synopsis">Runs the runbook that matches an incident: its steps (restart, scale, roll back, delete pods, clean a directory, call a webhook, run a script), then a health verification; everything goes on the incident's timeline.</para>
/// <para type="description">Writes one RunbookRun per incident a runbook matches; an incident none matches is a verbose line.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "IncidentRunbook", HelpUri = "docs/Invoke-IncidentRunbook.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RunbookRun))]
public sealed class InvokeIncidentRunbookCommand : OpsCmdlet
{
    private const int ProgressActivityId = 0x4F72;
    private const string Activity = "Invoke-IncidentRunbook";

    private RunbookFile? _file;
    private RunbookEngine? _engine;
    private string? _catalog;
    private bool _whatIf;
    private bool _interactive;
    private string _runId = "";

    /// <summary>The incident's id, such as INC-20261207-0003; binds from New-Incident's and Get-Incident's output.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("IncidentId")]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>The runbook file (psd1, YAML or JSON).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Runbook names or wildcards to choose among; default every runbook of the file (the first that matches runs).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Runbook { get; set; }

    /// <summary>Allows high-impact actions (rollback, pod deletion, scale to 0, directory cleaning, scripts) in a run nobody watches; without it they are Refused unless a person at the prompt approves each.</summary>
    [Parameter]
    public SwitchParameter Approve { get; set; }

    /// <summary>The service catalog a Verify without Uri or Catalog checks the incident's service in.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CatalogPath { get; set; }

    /// <summary>The kubeconfig file; default KUBECONFIG, else ~/.kube/config, else the pod's service account.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Kubeconfig { get; set; }

    /// <summary>The kubeconfig context; default its current-context.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Context { get; set; }

    /// <summary>The namespace of Kubernetes actions that name none (and ${Namespace}); default "default".</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = "default";

    /// <summary>The state directory (incidents, the action history rate limits count). Default: OPS_STATE_PATH, else the module's state directory.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override async Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var settings = LoadSettings();
        _runId = Guid.NewGuid().ToString("N");
        var path = ResolvePath(Path);
        var baseDirectory = System.IO.Path.GetDirectoryName(path)!;
        var gates = new ValidationSpecReader(runtime.Configuration, settings, baseDirectory);
        WriteDebug($"Path={path} Runbook={string.Join(",", Runbook ?? [])} Approve={Approve.IsPresent} CatalogPath={CatalogPath} Kubeconfig={Kubeconfig} Context={Context} Namespace={Namespace}");
        try
        {
            _file = RunbookReader.Read(path, runtime.Configuration, section => gates.ReadHealthGate(section, "verify"), Namespace);
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "RunbookFileInvalid", path));
        }
        _catalog = CatalogPath is null ? null : ResolvePath(CatalogPath);
        _whatIf = await OnPipelineThreadAsync(Previewing).ConfigureAwait(false);
        _interactive = await OnPipelineThreadAsync(Interactive).ConfigureAwait(false);
        var store = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        var log = Own(new OpsLog(_runId, OpsLogOptions.FromSettings(settings, WriteVerbose), new SecretRedactor(), runtime.Time));
        var health = new HealthRunOptions { RunId = _runId, Settings = settings, BaseDirectory = baseDirectory, KeepHistory = true, Secrets = Secrets() };
        var rounds = new HealthRounds(runtime, health, log, failure => WriteError(ErrorRecords.StateStoreFailure(failure)));
        _engine = new RunbookEngine(new RunbookServices
        {
            Incidents = new StoredIncidents(new IncidentStore(store, runtime.Time, new SecretRedactor())),
            Actions = new RunbookActionStore(store),
            Clients = runtime.Kubernetes,
            Target = new KubernetesTarget(Kubeconfig is null ? null : ResolvePath(Kubeconfig), Context, null, false, TimeSpan.FromSeconds(30), "-Kubeconfig"),
            KubernetesContext = Context,
            Http = runtime.Http.Get(),
            Secrets = Secrets(),
            Time = runtime.Time,
            DeploymentRecords = new DeploymentRecordStore(store, runtime.Time),
            RunGate = (gate, token) => new HealthGateRunner(rounds, runtime.Time).RunAsync(gate, null, token),
            BindGate = section => gates.ReadHealthGate(section, "verify"),
            PowerShell = PowerShellCommand(),
        });
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        foreach (var id in Id)
        {
            var options = new RunbookRunOptions
            {
                RunId = _runId,
                Runbooks = Runbook ?? [],
                WhatIf = _whatIf,
                Confirm = ShouldProcessAsync,
                Approve = Approve ? (_, _) => Task.FromResult(true)
                    : _interactive ? (target, action) => OnPipelineThreadAsync(() => ShouldContinue($"{action} on {target} is a high-impact action. Run it?", "Approve the action"))
                    : null,
                CatalogPath = _catalog,
                Namespace = Namespace,
                Verbose = WriteVerbose,
                StepEnded = step => WriteProgress(new ProgressRecord(ProgressActivityId, $"{Activity} {id}", $"{step.Step}: {step.Outcome}")),
            };
            try
            {
                var run = await _engine!.RunAsync(_file!, id.Trim(), options, cancellationToken).ConfigureAwait(false);
                if (run is null) continue;
                if (run.NeedsEscalation)
                    WriteWarning($"{run.IncidentId}: runbook '{run.Runbook}' did not remediate it ({run.Verification}); marked for escalation");
                WriteObject(run);
            }
            catch (IncidentNotFoundException ex)
            {
                WriteError(ErrorRecords.IncidentNotFound(ex));
            }
            catch (ConfigurationException ex)
            {
                WriteError(ErrorRecords.Configuration(ex, "RunbookVerifyInvalid", id));
            }
            catch (StateStoreException ex)
            {
                WriteError(ErrorRecords.StateStoreFailure(ex));
            }
            finally
            {
                WriteProgress(new ProgressRecord(ProgressActivityId, $"{Activity} {id}", "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }

    private bool Previewing() =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound) ? bound is SwitchParameter { IsPresent: true }
            : GetVariableValue("WhatIfPreference") is SwitchParameter { IsPresent: true } or true;

    /// <summary>
    /// Whether a person can answer a prompt: -Confirm given, or the console host with a keyboard
    /// (not redirected, not started -NonInteractive). A scheduled task or a CI job is not.
    /// </summary>
    private bool Interactive()
    {
        if (MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm) && confirm is SwitchParameter { IsPresent: true }) return true;
        if (Host.Name != "ConsoleHost" || !Environment.UserInteractive || Console.IsInputRedirected) return false;
        return !Environment.GetCommandLineArgs().Any(a => a.StartsWith("-noni", StringComparison.OrdinalIgnoreCase) || a.StartsWith("--noni", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The running PowerShell, to run .ps1 scripts with: $PSHOME's pwsh, else the dotnet host with pwsh.dll, else pwsh on the PATH.</summary>
    private IReadOnlyList<string> PowerShellCommand()
    {
        var home = SessionState.PSVariable.GetValue("PSHOME") as string;
        if (home is { Length: > 0 })
        {
            var native = System.IO.Path.Combine(home, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
            if (File.Exists(native)) return [native];
            var dll = System.IO.Path.Combine(home, "pwsh.dll");
            if (File.Exists(dll) && Environment.ProcessPath is { } host && System.IO.Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
                return [host, dll];
        }
        return ["pwsh"];
    }
}
