using System.Management.Automation;
using OpsAutomation.Completers;
using System.Text.RegularExpressions;
using OpsAutomation.Core.Alerting.Rules.UnitTesting;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Commands;

/// <summary>
/// Runs Prometheus rule unit tests in promtool's test-file format in process, with the verdicts of
/// promtool test rules: one result per alert and expression case, or with -Summary one verdict per file.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PrometheusRuleTest", HelpUri = "docs/Invoke-PrometheusRuleTest.md")]
[OutputType(typeof(RuleTestResult), typeof(RuleTestFileSummary))]
public sealed class InvokePrometheusRuleTestCommand : OpsCmdlet
{
    private List<Regex> _run = [];

    /// <summary>Unit-test files; wildcards are allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Only test groups whose name matches one of these regular expressions, as promtool's --run.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(RuleTestGroupCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Run { get; set; } = [];

    /// <summary>One RuleTestFileSummary per file (promtool's verdict) instead of a result per case.</summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        var run = new List<Regex>();
        foreach (var pattern in Run)
        {
            try
            {
                run.Add(new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
            }
            catch (ArgumentException ex)
            {
                throw ErrorRecords.Terminating(new ErrorRecord(new ArgumentException($"-Run '{pattern}' is not a valid regular expression: {ex.Message}", ex),
                    "RunPatternInvalid", ErrorCategory.InvalidArgument, pattern));
            }
        }
        _run = run;
        WriteDebug($"Run={string.Join(",", Run)} Summary={Summary.IsPresent}");
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var time = ModuleRuntime.Get().Time;
        var runner = new RuleTestRunner(time);
        foreach (var path in RuleFiles.Resolve(this, Path))
        {
            RuleTestFileReadResult read;
            try
            {
                read = RuleTestFileReader.Read(path, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "RuleTestFileUnreadable", ErrorCategory.ReadError, path));
                WriteSummary(path, false, 0, 0, 0, [$"{path}: {ex.Message}"], time);
                continue;
            }
            foreach (var warning in read.Warnings) WriteWarning($"{path}: {warning}");
            if (!read.IsValid)
            {
                foreach (var problem in read.Problems)
                    WriteError(new ErrorRecord(new FormatException(problem.ToString()), "RuleTestFileInvalid", ErrorCategory.InvalidData, path));
                WriteSummary(path, false, 0, 0, 0, read.Problems.Select(p => p.ToString()).ToList(), time);
                continue;
            }
            var groups = read.File.Tests.Count(g => _run.Count == 0 || _run.Any(r => r.IsMatch(g.Name)));
            WriteVerbose($"Testing {path}: {groups} test group(s) against {read.File.RuleFiles.Count} rule file(s)");
            int count = 0, failed = 0;
            foreach (var result in runner.Run(read.File, _run, cancellationToken))
            {
                count++;
                if (!result.Passed) failed++;
                if (!Summary) WriteObject(result);
            }
            WriteSummary(path, failed == 0, groups, count, failed, [], time);
        }
        return Task.CompletedTask;
    }

    private void WriteSummary(string path, bool passed, int groups, int results, int failed, IReadOnlyList<string> problems, TimeProvider time)
    {
        if (!Summary) return;
        WriteObject(new RuleTestFileSummary
        {
            File = path,
            Passed = passed,
            TestGroupCount = groups,
            ResultCount = results,
            FailedCount = failed,
            Problems = problems,
            Timestamp = time.GetUtcNow(),
        });
    }
}
