using System.Management.Automation;
using OpsAutomation.Core;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Reporting;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Commands;

/// <summary>Renders health results as a Markdown, HTML or JSON report, optionally with trends from the history.</summary>
[Cmdlet(VerbsCommon.New, "HealthReport", HelpUri = "docs/New-HealthReport.md", DefaultParameterSetName = CurrentSet)]
[OutputType(typeof(string), typeof(FileInfo))]
public sealed class NewHealthReportCommand : OpsCmdlet
{
    private const string CurrentSet = "Current";
    private const string TrendSet = "Trend";

    private readonly List<HealthCheckResult> _results = [];
    private string? _outputPath;

    /// <summary>The results to report, usually piped from Test-ServiceHealth.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public HealthCheckResult[] InputObject { get; set; } = [];

    /// <summary>Markdown (default), Html or Json.</summary>
    [Parameter]
    public HealthReportFormat Format { get; set; } = HealthReportFormat.Markdown;

    /// <summary>Writes the report to this file instead of the pipeline.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputPath { get; set; }

    /// <summary>The report's heading.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Title { get; set; } = "Service health";

    /// <summary>Adds each reported service's trends over this much of its history.</summary>
    [Parameter(Mandatory = true, ParameterSetName = TrendSet)]
    [Alias("TrendWindow")]
    [ValidatePositiveTimeSpan]
    public TimeSpan Window { get; set; }

    /// <summary>An availability objective in percent, such as 99.9, for the trends' error budget and burn rate.</summary>
    [Parameter(ParameterSetName = TrendSet)]
    [ValidateExclusiveRange(0, 100)]
    public double SloTarget { get; set; }

    /// <summary>The state directory whose history the trends read.</summary>
    [Parameter(ParameterSetName = TrendSet)]
    [ValidateNotNullOrEmpty]
    public string? StatePath { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        if (OutputPath is not null) _outputPath = ResolveOutputPath(OutputPath);
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _results.AddRange(InputObject.Where(r => r is not null));
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (_results.Count == 0)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(
                new InvalidOperationException("New-HealthReport received no health results; pipe the output of Test-ServiceHealth to it."),
                "NoResults", ErrorCategory.InvalidData, null));
        }

        var runtime = ModuleRuntime.Get();
        var generatedAt = runtime.Time.GetUtcNow();
        var trendSet = ParameterSetName == TrendSet;
        double? slo = MyInvocation.BoundParameters.ContainsKey(nameof(SloTarget)) ? SloTarget : null;
        var trends = trendSet ? await ReadTrendsAsync(generatedAt, slo, cancellationToken).ConfigureAwait(false) : null;
        var report = HealthReportBuilder.Build(Title, generatedAt, _results, trends, trendSet ? Window : null, slo);
        var text = HealthReportRenderer.Render(report, Format);

        if (_outputPath is null)
        {
            WriteObject(text);
            return;
        }
        try
        {
            await AtomicTextFile.WriteAsync(_outputPath, text, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(
                new IOException($"The report cannot be written to '{_outputPath}': {ex.Message}", ex), "ReportWriteFailed", ErrorCategory.WriteError, _outputPath));
        }
        WriteVerbose($"Wrote the {Format} report of {report.Total} results to {_outputPath}.");
        WriteObject(new FileInfo(_outputPath));
    }

    /// <summary>The file system path of -OutputPath, against PowerShell's location; its folder must exist.</summary>
    private string ResolveOutputPath(string outputPath)
    {
        string path;
        try
        {
            path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(outputPath, out var provider, out _);
            if (provider.Name != "FileSystem") throw new NotSupportedException($"it is on the {provider.Name} provider, not the file system");
        }
        catch (Exception ex) when (ex is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException or PSArgumentException or ArgumentException)
        {
            throw ReportPathInvalid(outputPath, $"-OutputPath '{outputPath}' is not a usable file path: {ex.Message}", ex);
        }

        var folder = Path.GetDirectoryName(path);
        if (Directory.Exists(path) || string.IsNullOrEmpty(Path.GetFileName(path)))
            throw ReportPathInvalid(outputPath, $"-OutputPath '{outputPath}' is a folder; give a file name, such as '{Path.Combine(outputPath, "health.html")}'.", null);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
            throw ReportPathInvalid(outputPath, $"The folder '{folder}' of -OutputPath '{outputPath}' does not exist.", null);
        return path;
    }

    private static OpsTerminatingException ReportPathInvalid(string outputPath, string message, Exception? inner) =>
        ErrorRecords.Terminating(new ErrorRecord(new ArgumentException(message, inner), "ReportPathInvalid", ErrorCategory.InvalidArgument, outputPath));

    private async Task<HealthReportTrendSet> ReadTrendsAsync(DateTimeOffset to, double? slo, CancellationToken cancellationToken)
    {
        var settings = LoadSettings();
        var names = _results.Select(r => r.Name).Distinct(StringComparer.Ordinal).ToList();
        WriteVerbose($"Summarising the last {Window} of history of {names.Count} services from {settings.StatePath}.");
        var store = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        var trends = await HealthReportTrends.ReadAsync(new HealthHistoryStore(store), names, to, Window, slo, cancellationToken).ConfigureAwait(false);

        var missing = names.Except(trends.Summaries.Select(t => t.Name), StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            WriteWarning($"No history within the last {Window} for {string.Join(", ", missing)} in {settings.StatePath}; " +
                "were they checked with -NoHistory or another -StatePath?");
        }
        return trends;
    }
}
