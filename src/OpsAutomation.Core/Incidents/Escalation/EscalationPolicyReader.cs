using System.Globalization;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Incidents.Escalation;

/// <summary>
/// Reads an escalation policy file (psd1, JSON or YAML, through the configuration reader, so
/// aliases and nesting are bounded) into an <see cref="EscalationPolicySet"/>. Every error names the
/// file and the key path: <c>escalation.psd1, key 'Policies[0].Levels[1].Delay': must be a duration ...</c>.
/// </summary>
/// <example>
/// <code>
/// @{
///     ReportUrl = 'https://ops.example.com/incidents/{id}'
///     Policies  = @(
///         @{
///             Name = 'checkout'; Service = 'checkout*'; MinimumSeverity = 'Error'
///             Levels = @(
///                 @{ Delay = '0s';  Channels = @( @{ Type = 'Slack'; Uri = 'env:SLACK_WEBHOOK' } ) }
///                 @{ Delay = '15m'; Channels = @( @{ Type = 'PagerDuty'; RoutingKey = 'env:PD_ROUTING_KEY' } ) }
///             )
///             Repeat = @{ Count = 2; Delay = '30m' }
///         }
///     )
/// }
/// </code>
/// </example>
public static class EscalationPolicyReader
{
    private static readonly string[] TopKeys = ["Policies", "ReportUrl", "PostMortemUrl", "RetryAfter"];
    private static readonly string[] PolicyKeys = ["Name", "Service", "MinimumSeverity", "Levels", "Repeat", "ReportUrl", "PostMortemUrl"];
    private static readonly string[] LevelKeys = ["Delay", "From", "Channels"];
    private static readonly string[] RepeatKeys = ["Count", "Delay"];

    /// <summary>The longest delay a level may have.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(30);

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <param name="channel">Builds a channel from its map (<see cref="NotificationChannels.Create"/> with the caller's secrets and HTTP client).</param>
    /// <exception cref="ConfigurationException">Anything wrong with the file, naming the key path.</exception>
    public static EscalationPolicySet Read(string path, ConfigurationFileReader reader, Func<ConfigurationMap, INotificationChannel> channel)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Read(reader.ReadMap(path), path, channel);
    }

    /// <param name="tree">The file's root map.</param>
    /// <param name="origin">The file, for errors.</param>
    /// <exception cref="ConfigurationException">Anything wrong with the file, naming the key path.</exception>
    public static EscalationPolicySet Read(IReadOnlyDictionary<string, object?> tree, string origin, Func<ConfigurationMap, INotificationChannel> channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var root = new ConfigurationMap(tree, origin, "");
        root.RejectUnknownKeys(TopKeys);
        var reportUrl = LinkTemplate(root, "ReportUrl");
        var postMortemUrl = LinkTemplate(root, "PostMortemUrl");
        if (root.GetValue("Policies") is null) throw root.Error("is required: a list of policies, each with Name and Levels", "Policies");
        var maps = root.GetMapList("Policies");
        if (maps.Count == 0) throw root.Error("must hold at least one policy", "Policies");

        var policies = new List<EscalationPolicy>();
        foreach (var map in maps)
        {
            var policy = ReadPolicy(map, channel) with
            {
                ReportUrl = LinkTemplate(map, "ReportUrl") ?? reportUrl,
                PostMortemUrl = LinkTemplate(map, "PostMortemUrl") ?? postMortemUrl,
            };
            if (policies.Any(p => string.Equals(p.Name, policy.Name, StringComparison.OrdinalIgnoreCase)))
                throw map.Error($"'{policy.Name}' is the name of an earlier policy; names must be unique", "Name");
            policies.Add(policy);
        }
        return new EscalationPolicySet(policies, origin) { RetryAfter = Duration(root, "RetryAfter") ?? EscalationPolicySet.DefaultRetryAfter };
    }

    private static EscalationPolicy ReadPolicy(ConfigurationMap map, Func<ConfigurationMap, INotificationChannel> channel)
    {
        map.RejectUnknownKeys(PolicyKeys);
        var name = map.GetRequiredString("Name");
        var service = map.GetString("Service") ?? "*";
        if (string.IsNullOrWhiteSpace(service)) throw map.Error("must not be empty; use '*' for every service", "Service");
        if (map.GetValue("Levels") is null) throw map.Error("is required: a list of levels, each with Delay and Channels", "Levels");
        var levelMaps = map.GetMapList("Levels");
        if (levelMaps.Count == 0) throw map.Error("must hold at least one level", "Levels");

        var levels = new List<EscalationLevel>();
        var previousFromOpening = TimeSpan.Zero;
        foreach (var levelMap in levelMaps)
        {
            levelMap.RejectUnknownKeys(LevelKeys);
            var number = levels.Count + 1;
            var delay = Duration(levelMap, "Delay") ?? TimeSpan.Zero;
            var from = levelMap.GetEnum<EscalationDelayFrom>("From", "delay origin") ?? EscalationDelayFrom.PreviousLevel;
            TimeSpan gap;
            TimeSpan fromOpening;
            if (from == EscalationDelayFrom.Opened && number > 1)
            {
                if (delay < previousFromOpening)
                {
                    throw levelMap.Error($"{Describe(delay)} after the opening comes before level {number - 1} ({Describe(previousFromOpening)} after the opening); "
                        + "levels must not go back in time", "Delay");
                }
                (gap, fromOpening) = (delay - previousFromOpening, delay);
            }
            else
            {
                (gap, fromOpening) = (delay, previousFromOpening + delay);
            }
            if (levelMap.GetValue("Channels") is null) throw levelMap.Error("is required: the channels this level pages", "Channels");
            var channelMaps = levelMap.GetMapList("Channels");
            if (channelMaps.Count == 0) throw levelMap.Error("must hold at least one channel", "Channels");
            var channels = channelMaps.Select(channel).ToList();
            var duplicate = channels.GroupBy(c => c.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw levelMap.Error($"name {duplicate.First().Name} twice with the same address; each level pages a channel once", "Channels");
            levels.Add(new EscalationLevel(number, delay, from, channels, gap));
            previousFromOpening = fromOpening;
        }

        var repeat = map.GetMap("Repeat");
        repeat?.RejectUnknownKeys(RepeatKeys);
        var repeatCount = repeat?.GetInt("Count", 0, 100) ?? 0;
        var repeatDelay = repeat is null ? TimeSpan.Zero : Duration(repeat, "Delay");
        if (repeatCount > 0 && repeatDelay is null)
            throw repeat!.Error("is required with Count: how long after the last level the ladder starts again at level 1", "Delay");

        return new EscalationPolicy
        {
            Name = name,
            Service = service,
            MinimumSeverity = map.GetEnum<HealthSeverity>("MinimumSeverity", "severity") ?? HealthSeverity.Info,
            Levels = levels,
            RepeatCount = repeatCount,
            RepeatDelay = repeatDelay ?? TimeSpan.Zero,
        };
    }

    /// <summary>A delay: a Prometheus duration (<c>90s</c>, <c>15m</c>, <c>1h30m</c>) or a number of seconds.</summary>
    private static TimeSpan? Duration(ConfigurationMap map, string key)
    {
        var value = map.GetValue(key);
        TimeSpan? span = value switch
        {
            null => null,
            long seconds when seconds >= 0 && seconds <= MaxDelay.TotalSeconds => TimeSpan.FromSeconds(seconds),
            double seconds when double.IsFinite(seconds) && seconds >= 0 && seconds <= MaxDelay.TotalSeconds => TimeSpan.FromSeconds(seconds),
            string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                && double.IsFinite(seconds) && seconds >= 0 && seconds <= MaxDelay.TotalSeconds => TimeSpan.FromSeconds(seconds),
            string text when PrometheusDuration.TryParse(text.Trim(), out var parsed) => parsed,
            _ => throw map.Error($"must be a duration such as 90s, 15m or 1h30m, or a number of seconds, not '{value}'", key),
        };
        if (span is { } s && (s < TimeSpan.Zero || s > MaxDelay))
            throw map.Error($"{Describe(s)} is out of range; it must be between 0s and {Describe(MaxDelay)}", key);
        return span;
    }

    private static string? LinkTemplate(ConfigurationMap map, string key)
    {
        var template = map.GetString(key);
        if (template is null) return null;
        var sample = template.Replace("{id}", "INC-1", StringComparison.Ordinal);
        return Uri.TryCreate(sample, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? template
            : throw map.Error($"is not an absolute http(s) URL (with {{id}} for the incident id): '{template}'", key);
    }

    private static string Describe(TimeSpan span) => Models.DurationText.Format(span);
}
