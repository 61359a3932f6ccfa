using System.Text;

namespace OpsAutomation.Core.Reporting.Charts;

/// <summary>Builds one chart's SVG: the frame every chart shares, axes, legend; every text passes through <see cref="SvgText.Encode"/>.</summary>
internal sealed class SvgWriter
{
    private readonly StringBuilder _svg = new(4 * 1024);
    private double _width = SvgChart.DefaultWidth;

    /// <summary>Opens the root: viewBox only (so the chart scales), role and label for screen readers, the chart's kind as a class.</summary>
    public SvgWriter Open(string kind, string? id, string title, double width, double height)
    {
        _width = width;
        _svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart chart-").Append(kind).Append('"');
        var token = SvgText.Token(id);
        if (token.Length > 0) _svg.Append(" id=\"").Append(token).Append('"');
        _svg.Append(" viewBox=\"0 0 ").Append(SvgText.Num(width)).Append(' ').Append(SvgText.Num(height))
            .Append("\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" aria-label=\"").Append(SvgText.Encode(title)).Append("\">")
            .Append("<title>").Append(SvgText.Encode(title)).Append("</title>");
        return this;
    }

    public SvgWriter Raw(string markup)
    {
        _svg.Append(markup);
        return this;
    }

    public SvgWriter Text(string? text)
    {
        _svg.Append(SvgText.Encode(text));
        return this;
    }

    public SvgWriter Num(double value)
    {
        _svg.Append(SvgText.Num(value));
        return this;
    }

    /// <summary>A hover text for the element just opened.</summary>
    public SvgWriter Title(string? text) => Raw("<title>").Text(text).Raw("</title>");

    public SvgWriter Label(double x, double y, string? text, string? cssClass = null, string anchor = "start")
    {
        Raw("<text x=\"").Num(x).Raw("\" y=\"").Num(y).Raw("\"");
        if (anchor != "start") Raw(" text-anchor=\"").Raw(anchor).Raw("\"");
        if (cssClass is not null) Raw(" class=\"").Raw(cssClass).Raw("\"");
        return Raw(">").Text(text).Raw("</text>");
    }

    public SvgWriter Line(double x1, double y1, double x2, double y2, string cssClass) =>
        Raw("<line class=\"").Raw(cssClass).Raw("\" x1=\"").Num(x1).Raw("\" y1=\"").Num(y1).Raw("\" x2=\"").Num(x2).Raw("\" y2=\"").Num(y2)
            .Raw("\" stroke=\"currentColor\"/>");

    /// <summary>A time axis along <paramref name="y"/>: a line, and ticks with labels under it.</summary>
    public SvgWriter TimeAxis(TimeScale scale, double y, double gridTop)
    {
        Raw("<g class=\"axis-x\">");
        Line(scale.Map(scale.Start), y, scale.Map(scale.End), y, "axis");
        foreach (var tick in scale.Ticks())
        {
            var x = scale.Map(tick);
            if (gridTop < y) Line(x, gridTop, x, y, "grid");
            Label(x, y + 14, scale.Label(tick), anchor: "middle");
        }
        return Raw("</g>");
    }

    /// <summary>A value axis: round ticks with labels at the left and grid lines across the plot.</summary>
    public SvgWriter ValueAxis(LinearScale scale, double left, double right, string? unit)
    {
        Raw("<g class=\"axis-y\">");
        foreach (var tick in scale.Ticks())
        {
            var y = scale.Map(tick);
            Line(left, y, right, y, tick == 0 ? "axis" : "grid");
            Label(left - 6, y + 4, SvgText.Value(tick), anchor: "end");
        }
        if (!string.IsNullOrEmpty(unit)) Label(left - 6, scale.Map(scale.Max) - 10, unit, anchor: "end");
        return Raw("</g>");
    }

    /// <summary>
    /// A row of swatches naming the series or states, at the top of the chart. What does not fit in the row is
    /// counted in a last "+N more" entry whose hover text names them, never dropped unsaid.
    /// </summary>
    public SvgWriter Legend(IEnumerable<(string Name, string CssClass)> entries, double left, double y)
    {
        Raw("<g class=\"legend\">");
        var all = entries.ToList();
        var x = left;
        for (var i = 0; i < all.Count; i++)
        {
            var (name, cssClass) = all[i];
            var text = SvgText.Shorten(name, 24);
            var width = 24 + text.Length * 6.5;
            var roomForMore = i + 1 < all.Count ? MoreWidth : 0;
            if (x + width + roomForMore > _width && i > 0)
            {
                Raw("<text class=\"chart-label legend-more\" x=\"").Num(x).Raw("\" y=\"").Num(y).Raw("\">")
                    .Title(string.Join(", ", all.Skip(i).Select(e => e.Name))).Text($"+{all.Count - i} more").Raw("</text>");
                break;
            }
            Raw("<g class=\"").Raw(cssClass).Raw("\"><rect class=\"swatch\" x=\"").Num(x).Raw("\" y=\"").Num(y - 9).Raw("\" width=\"10\" height=\"10\" rx=\"2\" fill=\"currentColor\"/>");
            Label(x + 14, y, text, "chart-label").Raw("</g>");
            x += width;
        }
        return Raw("</g>");
    }

    /// <summary>The width a "+N more" entry needs.</summary>
    private const double MoreWidth = 70;

    /// <summary>Says, inside the chart, that nothing was drawn or that some data was left out.</summary>
    public SvgWriter Note(double x, double y, string text) => Label(x, y, text, "note");

    public string Close() => _svg.Append("</svg>").ToString();
}
