using System.Management.Automation;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Commands;

/// <summary>Validates Prometheus rule files as promtool check rules does, with one located error per problem.</summary>
[Cmdlet(VerbsDiagnostic.Test, "PrometheusRule", HelpUri = "docs/Test-PrometheusRule.md")]
[OutputType(typeof(RuleFileSummary))]
public sealed class TestPrometheusRuleCommand : OpsCmdlet
{
    /// <summary>Rule files; wildcards are allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        foreach (var file in RuleFiles.Resolve(this, Path))
        {
            var result = RuleFileReader.Read(file, cancellationToken);
            foreach (var problem in result.Problems)
                WriteError(RuleFiles.Invalid(problem));
            WriteObject(RuleFiles.Summary(result, ModuleRuntime.Get().Time.GetUtcNow()));
        }
        return Task.CompletedTask;
    }
}
