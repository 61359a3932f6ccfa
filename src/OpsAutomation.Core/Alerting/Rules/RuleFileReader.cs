using OpsAutomation.Core.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>A rule file as read: the rules that passed validation, and every problem found.</summary>
public sealed record RuleFileReadResult(RuleFile File, IReadOnlyList<RuleFileProblem> Problems)
{
    public bool IsValid => Problems.Count == 0;
}

/// <summary>
/// Reads Prometheus rule files and validates them as promtool check rules does: YAML syntax,
/// unknown keys, alert xor record, expr present, durations, label and annotation names,
/// fields a recording rule must not have, repeated groups and duplicate rules (same name and
/// labels in a group), every expression as Prometheus 2.42's parser checks it (the whole
/// language, not only the subset the in-process engine evaluates), plus the templates this
/// module can expand.
/// </summary>
public static class RuleFileReader
{
    private static readonly string[] FileKeys = ["groups"];
    private static readonly string[] GroupKeys = ["name", "interval", "limit", "rules"];
    private static readonly string[] RuleKeys = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"];

    public static RuleFileReadResult Read(string path, CancellationToken cancellationToken = default) =>
        Parse(File.ReadAllText(path), path, cancellationToken);

    public static RuleFileReadResult Parse(string text, string path, CancellationToken cancellationToken = default)
    {
        var problems = new List<RuleFileProblem>();
        var groups = new List<RuleGroup>();
        YamlStream stream;
        try
        {
            stream = BoundedYaml.Load(text);
        }
        catch (YamlException ex)
        {
            problems.Add(new(path, (int)ex.Start.Line, null, null, $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}"));
            return new(new RuleFile(path, groups), problems);
        }
        if (stream.Documents.Count == 0) return new(new RuleFile(path, groups), problems);

        void Problem(YamlNode node, string? group, string? rule, string message) => problems.Add(new(path, (int)node.Start.Line, group, rule, message));

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            Problem(stream.Documents[0].RootNode, null, null, "the file must be a mapping with a 'groups' list");
            return new(new RuleFile(path, groups), problems);
        }
        CheckKeys(root, FileKeys, "the file", (node, message) => Problem(node, null, null, message));
        if (Child(root, "groups") is not { } groupsNode) return new(new RuleFile(path, groups), problems);
        if (groupsNode is not YamlSequenceNode groupList)
        {
            Problem(groupsNode, null, null, "'groups' must be a list");
            return new(new RuleFile(path, groups), problems);
        }

        var groupNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var groupNode in groupList)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (groupNode is not YamlMappingNode group)
            {
                Problem(groupNode, null, null, "a group must be a mapping with 'name' and 'rules'");
                continue;
            }
            var name = Scalar(group, "name", null, null, Problem) ?? "";
            if (name.Length == 0) Problem(group, null, null, "group name must not be empty");
            else if (!groupNames.Add(name)) Problem(group, name, null, $"groupname: \"{name}\" is repeated in the same file");
            var groupName = name.Length == 0 ? null : name;
            CheckKeys(group, GroupKeys, "a group", (node, message) => Problem(node, groupName, null, message));
            var interval = Duration(group, "interval", groupName, null, Problem);
            var rules = new List<Rule>();
            if (Child(group, "rules") is YamlSequenceNode ruleList)
            {
                var seen = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var ruleNode in ruleList)
                {
                    if (ReadRule(ruleNode, groupName, Problem) is not { } rule) continue;
                    var identity = (rule.IsAlert ? "alert:" : "record:") + rule.Name + "\n" + string.Join("\n", rule.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value.Text));
                    if (seen.TryGetValue(identity, out var firstLine))
                        problems.Add(new(path, (int)ruleNode.Start.Line, groupName, rule.Name, $"duplicate rule: the same name and labels as the rule on line {firstLine}") { IsLint = true });
                    else seen[identity] = rule.Line;
                    rules.Add(rule);
                }
            }
            else if (Child(group, "rules") is { } notList)
            {
                Problem(notList, groupName, null, "'rules' must be a list");
            }
            groups.Add(new RuleGroup(name, interval, (int)group.Start.Line, rules));
        }
        return new(new RuleFile(path, groups), problems);
    }

    /// <summary>Prometheus's (pre-UTF-8) label name rule: [a-zA-Z_][a-zA-Z0-9_]*.</summary>
    public static bool IsValidLabelName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Prometheus's metric name rule: [a-zA-Z_:][a-zA-Z0-9_:]*.</summary>
    public static bool IsValidMetricName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] is '_' or ':') && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    private delegate void Report(YamlNode node, string? group, string? rule, string message);

    private static Rule? ReadRule(YamlNode ruleNode, string? group, Report problem)
    {
        if (ruleNode is not YamlMappingNode node)
        {
            problem(ruleNode, group, null, "a rule must be a mapping with 'alert' or 'record' and 'expr'");
            return null;
        }
        var count = 0;
        void Count(YamlNode at, string? rule, string message)
        {
            count++;
            problem(at, group, rule, message);
        }
        var alert = Scalar(node, "alert", group, null, (at, g, r, m) => Count(at, r, m));
        var record = Scalar(node, "record", group, null, (at, g, r, m) => Count(at, r, m));
        var name = alert ?? record;
        CheckKeys(node, RuleKeys, "a rule", (at, message) => Count(at, name, message));
        if (alert is not null && record is not null) Count(node, name, "only one of 'record' and 'alert' must be set");
        if (alert is null && record is null) Count(node, null, "one of 'record' or 'alert' must be set");
        if (alert is "") Count(node, name, "'alert' must not be empty");
        var isAlert = alert is not null;
        if (record is not null && alert is null && !IsValidMetricName(record)) Count(node, name, $"invalid recording rule name: {record}");
        var expr = Scalar(node, "expr", group, name, (at, g, r, m) => Count(at, r, m));
        if (string.IsNullOrWhiteSpace(expr)) Count(node, name, "field 'expr' must be set in rule");
        else if (ExpressionError(expr) is { } error) Count(Child(node, "expr") ?? node, name, $"could not parse expression: {error}");
        var forDuration = Duration(node, "for", group, name, (at, g, r, m) => Count(at, r, m));
        var keepFiringFor = Duration(node, "keep_firing_for", group, name, (at, g, r, m) => Count(at, r, m));
        if (!isAlert)
        {
            foreach (var field in (string[])["for", "keep_firing_for", "annotations"])
                if (Child(node, field) is { } present) Count(present, name, $"invalid field '{field}' in recording rule");
        }
        var labels = Templates(node, "labels", "label", group, name, (at, g, r, m) => Count(at, r, m));
        var annotations = Templates(node, "annotations", "annotation", group, name, (at, g, r, m) => Count(at, r, m));
        return count > 0
            ? null
            : new Rule(name!, isAlert, expr!.Trim(), forDuration ?? TimeSpan.Zero, keepFiringFor ?? TimeSpan.Zero, labels, annotations, (int)node.Start.Line);
    }

    private static string? ExpressionError(string expression)
    {
        try
        {
            PromQl.PromQlEngine.CheckSyntax(expression);
            return null;
        }
        catch (PromQl.PromQlException ex)
        {
            return ex.Message;
        }
    }

    private static List<KeyValuePair<string, RuleTemplate>> Templates(YamlMappingNode node, string key, string what, string? group, string? rule, Report problem)
    {
        var result = new List<KeyValuePair<string, RuleTemplate>>();
        if (Child(node, key) is not { } child) return result;
        if (child is not YamlMappingNode map)
        {
            problem(child, group, rule, $"'{key}' must be a mapping of names to values");
            return result;
        }
        foreach (var (nameNode, valueNode) in map.Children)
        {
            var name = (nameNode as YamlScalarNode)?.Value ?? "";
            if (!IsValidLabelName(name) || (what == "label" && name == "__name__"))
            {
                problem(nameNode, group, rule, $"invalid {what} name: {name}");
                continue;
            }
            if (valueNode is not YamlScalarNode { Value: var value })
            {
                problem(valueNode, group, rule, $"{what} '{name}' must be a string");
                continue;
            }
            try
            {
                result.Add(new(name, RuleTemplate.Parse(value ?? "")));
            }
            catch (RuleTemplateException ex)
            {
                problem(valueNode, group, rule, $"{what} '{name}': {ex.Message}");
            }
        }
        return result;
    }

    private static TimeSpan? Duration(YamlMappingNode node, string key, string? group, string? rule, Report problem)
    {
        var text = Scalar(node, key, group, rule, problem);
        if (text is null) return null;
        if (PrometheusDuration.TryParse(text, out var duration)) return duration;
        problem(Child(node, key)!, group, rule, $"'{key}': not a valid duration string: \"{text}\"");
        return null;
    }

    private static string? Scalar(YamlMappingNode node, string key, string? group, string? rule, Report problem)
    {
        if (Child(node, key) is not { } child) return null;
        if (child is YamlScalarNode scalar) return scalar.Value ?? "";
        problem(child, group, rule, $"'{key}' must be a single value");
        return null;
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static void CheckKeys(YamlMappingNode node, string[] known, string what, Action<YamlNode, string> problem)
    {
        foreach (var keyNode in node.Children.Keys)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (Array.IndexOf(known, key) < 0)
                problem(keyNode, $"unknown field '{key}' in {what}; known are {string.Join(", ", known)}");
        }
    }
}
