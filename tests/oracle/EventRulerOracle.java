// The test oracle of libs/pattern: AWS's event-ruler deciding, for each JSON
// line {"pattern": P, "event": E} on standard input, "true", "false" or
// "invalid <reason>" on standard output — the protocol of
// tests/unit/pattern/pattern_eval.c. Run with the single-file source launcher:
//   java -cp "$(scripts/event-ruler.sh classpath)" EventRulerOracle.java < cases
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import software.amazon.event.ruler.Machine;

public class EventRulerOracle {
    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out =
                new PrintStream(new BufferedOutputStream(System.out), false, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) {
                continue;
            }
            JsonNode pair = mapper.readTree(line);
            String verdict;
            try {
                Machine machine = new Machine();
                machine.addRule("rule", pair.get("pattern").toString());
                verdict = machine.rulesForJSONEvent(pair.get("event").toString()).contains("rule")
                        ? "true"
                        : "false";
            } catch (Exception e) {
                verdict = "invalid " + String.valueOf(e.getMessage()).replace('\n', ' ');
            }
            out.println(verdict);
        }
        out.flush();
    }
}
