using System.Collections.ObjectModel;
using System.Management.Automation;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation;

/// <summary>What the rule cmdlets share: resolving -Path, and the error and summary of a read file.</summary>
internal static class RuleFiles
{
    /// <summary>The files <paramref name="paths"/> name (wildcards expanded); one that matches nothing is a RuleFileNotFound error.</summary>
    public static IEnumerable<string> Resolve(OpsCmdlet cmdlet, IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            Collection<string> files;
            try
            {
                files = cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _);
            }
            catch (ItemNotFoundException ex)
            {
                cmdlet.WriteError(new ErrorRecord(ex, "RuleFileNotFound", ErrorCategory.ObjectNotFound, path));
                continue;
            }
            foreach (var file in files) yield return file;
        }
    }

    public static ErrorRecord Invalid(RuleFileProblem problem) =>
        new(new FormatException(problem.ToString()), "RuleFileInvalid", ErrorCategory.InvalidData, problem.File);

    public static RuleFileSummary Summary(RuleFileReadResult result, DateTimeOffset now)
    {
        var rules = result.File.Groups.SelectMany(g => g.Rules).ToList();
        return new RuleFileSummary
        {
            File = result.File.Path,
            Valid = result.IsValid,
            GroupCount = result.File.Groups.Count,
            AlertingRuleCount = rules.Count(r => r.IsAlert),
            RecordingRuleCount = rules.Count(r => !r.IsAlert),
            Problems = result.Problems.Select(p => p.ToString()).ToList(),
            Timestamp = now,
        };
    }
}
