-- Notes (fenced divs with class "note", e.g. the suppression note) in table-sized type:
-- in Typst a block with smaller text; in HTML the class stays for the style sheet.
function Div(div)
  if not div.classes:includes("note") or not FORMAT:match("typst") then
    return nil
  end
  local blocks = { pandoc.RawBlock("typst", "#block(above: 0.5em, below: 1em)[#set text(size: 8pt, style: \"italic\")") }
  for _, block in ipairs(div.content) do
    table.insert(blocks, block)
  end
  table.insert(blocks, pandoc.RawBlock("typst", "]"))
  return blocks
end
