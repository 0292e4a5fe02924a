// The output-port arbiter of a pjbit switch, in synthesizable Verilog-2005: strict priority by transport
// class, round-robin within a class in the order flows became active, and credit-based flow control toward
// the output link. It decides which input goes next; the packets themselves stay on the transaction-level
// side (rtl/arbiter_transactor.h drives these pins from pjbit's TLM packets). Equations and timing in
// rtl/port_arbiter.md.
//
// Inputs are slots: the transactor gives each flow waiting at the port a slot of its own while it has
// packets there. A slot joins its class's turns when its request rises; when it is granted it goes to the
// back of its class's turns if it has another packet behind the one granted (`more`), and leaves them
// otherwise. The order of turns is kept in an age matrix: older[i*N+j] = slot i is ahead of slot j. Slots
// whose requests rise at the same edge join in slot order, behind every slot already waiting. The grant goes
// to the waiting slot of the most urgent class (0 first) that no other waiting slot of its class is ahead
// of, when the output holds a credit. This is the turn discipline of pjbit's TLM arbiter (core/arbiter.h,
// strict rule), decided once per clock edge.
module port_arbiter #(
    parameter N = 8,        // slots (inputs)
    parameter IW = 3,       // bits of a slot index: at least log2(N)
    parameter CW = 3,       // bits of a transport class
    parameter KW = 4,       // bits of the credit counter
    parameter CREDITS = 1   // credits the output starts with (packets it may take before returning one)
) (
    input  wire            clk,
    input  wire            rst_n,      // synchronous, active low
    input  wire [N-1:0]    req,        // slot i has a packet waiting at the head of its queue
    input  wire [N*CW-1:0] cls,        // slot i's transport class, bits [i*CW +: CW]; 0 is the most urgent
    input  wire [N-1:0]    more,       // slot i has another packet behind its head
    input  wire            credit,     // the output returns one credit at this edge
    output reg             grant,      // a grant was made at the last edge ...
    output reg  [IW-1:0]   grant_id,   // ... to this slot
    output reg  [KW-1:0]   credits,    // credits held after the last edge
    output reg  [N-1:0]    waiting     // slots in the turns after the last edge
);

  reg [N*N-1:0] older;

  // Whether slot j is ahead of slot i among this edge's candidates: both waiting, by the age matrix; a
  // waiting slot is ahead of a newly requesting one; between two new ones the lower slot is ahead.
  function ahead;
    input integer j;
    input integer i;
    begin
      if (waiting[j] && waiting[i]) ahead = older[j*N+i];
      else if (waiting[j]) ahead = 1'b1;
      else if (waiting[i]) ahead = 1'b0;
      else ahead = j < i;
    end
  endfunction

  // The most urgent class among the requesting slots.
  reg [CW-1:0] best;
  reg          any;
  integer k;
  always @* begin
    best = {CW{1'b1}};
    any = 1'b0;
    for (k = 0; k < N; k = k + 1)
      if (req[k] && (!any || cls[k*CW +: CW] < best)) begin
        best = cls[k*CW +: CW];
        any = 1'b1;
      end
  end

  // The winner: a requesting slot of the best class with no requesting slot of that class ahead of it.
  reg [N-1:0]  first;
  reg [IW-1:0] win;
  integer i, j;
  always @* begin
    win = {IW{1'b0}};
    for (i = 0; i < N; i = i + 1) begin
      first[i] = req[i] && cls[i*CW +: CW] == best;
      for (j = 0; j < N; j = j + 1)
        if (j != i && req[j] && cls[j*CW +: CW] == best && ahead(j, i)) first[i] = 1'b0;
    end
    for (i = N - 1; i >= 0; i = i - 1)
      if (first[i]) win = i[IW-1:0];
  end

  wire go = any && (credits != {KW{1'b0}} || credit);

  // The turns after this edge: every requesting slot waits, in the order above; the winner leaves, or goes to
  // the back when it has another packet.
  reg [N*N-1:0] older_next;
  reg [N-1:0]   waiting_next;
  integer a, b;
  always @* begin
    waiting_next = req;
    if (go) waiting_next[win] = more[win];
    for (a = 0; a < N; a = a + 1)
      for (b = 0; b < N; b = b + 1) begin
        older_next[a*N+b] = a != b && ahead(a, b);
        if (go && more[win] && a != b) begin
          if (b[IW-1:0] == win) older_next[a*N+b] = 1'b1;
          if (a[IW-1:0] == win) older_next[a*N+b] = 1'b0;
        end
      end
  end

  always @(posedge clk) begin
    if (!rst_n) begin
      grant <= 1'b0;
      grant_id <= {IW{1'b0}};
      credits <= CREDITS;
      waiting <= {N{1'b0}};
      older <= {N*N{1'b0}};
    end else begin
      grant <= go;
      if (go) grant_id <= win;
      credits <= credits + {{KW-1{1'b0}}, credit} - {{KW-1{1'b0}}, go};
      waiting <= waiting_next;
      older <= older_next;
    end
  end

endmodule
