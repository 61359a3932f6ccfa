using System.Globalization;

namespace OpsAutomation.Core.Reporting.Charts;

/// <summary>Maps times onto a span of the viewBox, with ticks on round times (every 15 minutes, every 6 hours, ...) in UTC.</summary>
internal sealed class TimeScale
{
    private static readonly TimeSpan[] Steps =
    [
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
        TimeSpan.FromDays(1), TimeSpan.FromDays(2), TimeSpan.FromDays(7), TimeSpan.FromDays(14), TimeSpan.FromDays(30),
    ];

    private readonly double _from;
    private readonly double _to;

    /// <param name="start">The earliest time shown.</param>
    /// <param name="end">The latest; no later than <paramref name="start"/> widens the window to a minute around it.</param>
    public TimeScale(DateTimeOffset start, DateTimeOffset end, double from, double to, int tickCount = 6)
    {
        if (end <= start) (start, end) = (start.AddSeconds(-30), start.AddSeconds(30));
        Start = start;
        End = end;
        _from = from;
        _to = to;
        var wanted = (end - start) / Math.Max(1, tickCount);
        Step = Steps.FirstOrDefault(s => s >= wanted, Steps[^1]);
    }

    public DateTimeOffset Start { get; }

    public DateTimeOffset End { get; }

    public TimeSpan Step { get; }

    public double Map(DateTimeOffset time) => _from + (time - Start).Ticks / (double)(End - Start).Ticks * (_to - _from);

    public bool Contains(DateTimeOffset time) => time >= Start && time <= End;

    /// <summary>The round times inside the window, counted from midnight UTC so labels read 09:00, 09:15, ...</summary>
    public IReadOnlyList<DateTimeOffset> Ticks()
    {
        var utcStart = Start.ToUniversalTime();
        var first = new DateTimeOffset(utcStart.UtcDateTime.Date, TimeSpan.Zero);
        if (Step >= TimeSpan.FromDays(7)) first = first.AddDays(-(((int)first.DayOfWeek + 6) % 7)); // weeks start on Monday
        var ticks = new List<DateTimeOffset>();
        var steps = (long)Math.Ceiling((utcStart - first) / Step);
        for (var tick = first + steps * Step; tick <= End && ticks.Count < 50; tick += Step) ticks.Add(tick);
        return ticks;
    }

    /// <summary>A tick's label: seconds when the step is under a minute, the date when it is a day or more or the window spans days.</summary>
    public string Label(DateTimeOffset tick)
    {
        var utc = tick.UtcDateTime;
        var format = Step < TimeSpan.FromMinutes(1) ? "HH:mm:ss"
            : Step >= TimeSpan.FromDays(1) ? "MM-dd"
            : End - Start > TimeSpan.FromDays(1) && utc.TimeOfDay == TimeSpan.Zero ? "MM-dd"
            : "HH:mm";
        return utc.ToString(format, CultureInfo.InvariantCulture);
    }
}
